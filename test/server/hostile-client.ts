/**
 * A participant that speaks the round protocol over HTTP the way a script would, built from the
 * same protocol/ primitives the browser uses, but free to break the rules: the attacks on the
 * federation server are written against it, beside honest runRound clients.
 */
import { encodeFixed } from '../../protocol/secagg/fixed-point.js';
import { SecAggClient, type SignedAdvertisement } from '../../protocol/secagg/secagg-client.js';
import type { AgreementKeys } from '../../protocol/secagg/key-agreement.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import type {
  AdvertisementEntry,
  CheckInReply,
  CohortSeat,
  RoundInfo,
  SharesReply,
  SurvivorsReply,
} from '../../protocol/responses.js';
import { fromBase64, type Phase, toBase64 } from '../../protocol/wire-format.js';

/** How this participant breaks the protocol. */
export interface Misbehaviour {
  /** Shamir-shares 32 random bytes instead of the private key behind its advertised mask key. */
  poisonMaskKeyShares?: boolean;
  /** Signs its key advertisement with garbage. */
  badAdvertisementSignature?: boolean;
  /** Uploads this update as it is: not clipped, not noised (only the fixed-point range bounds it). */
  unclippedUpdate?: Float32Array;
  /** Stops after this step, as a closed tab would. */
  dropAfter?: 'advertise' | 'share';
  /** Check-in body fields to send instead of honest ones (a squatted client id, a bad identity key). */
  checkIn?: Record<string, unknown>;
  /** Waits for this before sending its advertisement (a slow device). */
  beforeAdvertise?: () => Promise<void>;
}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
const post = <T>(url: string, body: unknown) => call<T>(url, { method: 'POST', body: JSON.stringify(body) });

/** Polls the round's status until it leaves `phases` (bounded by `timeoutMs`). */
async function waitWhile(server: string, round: string, phases: Phase[], timeoutMs: number): Promise<RoundInfo> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const info = await call<RoundInfo>(`${server}/v1/rounds/${round}?while=${phases.join(',')}&wait=2000`);
    if (!phases.includes(info.phase)) return info;
  }
  throw new Error(`round ${round} stayed in ${phases.join('/')} for ${timeoutMs} ms`);
}

/** Runs one round as a hostile participant; resolves with where it stopped. */
export async function hostileClient(
  server: string,
  misbehaviour: Misbehaviour,
  timeoutMs = 60_000,
): Promise<{ round: string; index: number; phase: Phase }> {
  const identity = await createIdentity();
  const joined = await post<CheckInReply>(`${server}/v1/checkin`, {
    clientId: crypto.randomUUID(),
    identityKey: toBase64(identity.publicKey),
    ...misbehaviour.checkIn,
  });
  const { round, token } = joined;
  let info = await waitWhile(server, round, ['checkin'], timeoutMs);
  const { index } = await call<CohortSeat>(`${server}/v1/rounds/${round}/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const client = new SecAggClient(index, identity, {
    round,
    threshold: info.shareThreshold,
    minSurvivors: info.threshold,
    vectorLength: info.vectorLength,
    graph: { cohortSize: info.participants, degree: info.degree },
  });
  const signed = await client.advertise();
  await misbehaviour.beforeAdvertise?.();
  const signature = misbehaviour.badAdvertisementSignature
    ? crypto.getRandomValues(new Uint8Array(64))
    : signed.signature;
  await post(`${server}/v1/rounds/${round}/advertise`, {
    index,
    token,
    cipherPublicKey: toBase64(signed.ad.cipherPublicKey),
    maskPublicKey: toBase64(signed.ad.maskPublicKey),
    signature: toBase64(signature),
  });
  if (misbehaviour.dropAfter === 'advertise') return { round, index, phase: 'advertise' };

  info = await waitWhile(server, round, ['advertise'], timeoutMs);
  if (info.phase !== 'share') return { round, index, phase: info.phase };
  const listed = await call<AdvertisementEntry[]>(`${server}/v1/rounds/${round}/advertisements?index=${index}`);
  const cohort: SignedAdvertisement[] = listed.map((a) => ({
    ad: { client: a.index, cipherPublicKey: fromBase64(a.cipherPublicKey), maskPublicKey: fromBase64(a.maskPublicKey) },
    signature: fromBase64(a.signature),
    identityKey: fromBase64(a.identityKey),
  }));
  if (misbehaviour.poisonMaskKeyShares) {
    // The advertised mask public key stays the real one; what the peers hold shares of is not its key.
    const keys = client as unknown as { maskKeys: AgreementKeys };
    keys.maskKeys = { ...keys.maskKeys, privateScalar: crypto.getRandomValues(new Uint8Array(32)) };
  }
  const identities = new Map(cohort.map((c) => [c.ad.client, c.identityKey]));
  const bundles = await client.shareKeys(cohort, (id) => identities.get(id));
  await post(`${server}/v1/rounds/${round}/shares`, {
    index,
    token,
    bundles: bundles.map((b) => ({ to: b.to, sealed: toBase64(b.sealed) })),
  });
  if (misbehaviour.dropAfter === 'share') return { round, index, phase: 'share' };

  info = await waitWhile(server, round, ['share'], timeoutMs);
  if (info.phase !== 'mask') return { round, index, phase: info.phase };
  const mine = await call<SharesReply>(`${server}/v1/rounds/${round}/shares/${index}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await client.receiveShares(mine.bundles.map((b) => ({ from: b.from, sealed: fromBase64(b.sealed) })));
  const update = misbehaviour.unclippedUpdate ?? new Float32Array(info.vectorLength);
  const masked = await client.maskedInput(
    encodeFixed(update, { clip: info.range, scale: info.scale }),
    mine.sharedKeys,
  );
  await post(`${server}/v1/rounds/${round}/masked`, { index, token, vector: toBase64(new Uint8Array(masked.buffer)) });

  info = await waitWhile(server, round, ['mask'], timeoutMs);
  if (info.phase !== 'consistency') return { round, index, phase: info.phase };
  const shown = await call<SurvivorsReply>(`${server}/v1/rounds/${round}/survivors?index=${index}`);
  await post(`${server}/v1/rounds/${round}/consistency`, {
    index,
    token,
    signature: toBase64(await client.signSurvivorSet(shown.survivors)),
  });
  info = await waitWhile(server, round, ['consistency'], timeoutMs);
  if (info.phase !== 'unmask') return { round, index, phase: info.phase };
  const final = await call<SurvivorsReply>(`${server}/v1/rounds/${round}/survivors?index=${index}`);
  const response = await client.unmask(
    final.survivors,
    final.sharedKeys,
    final.signatures.map((x) => ({ client: x.index, signature: fromBase64(x.signature) })),
  );
  const shares = (list: typeof response.selfMaskShares) =>
    list.map((x) => ({ of: x.of, share: { x: x.share.x, y: x.share.y.toString(16) } }));
  await post(`${server}/v1/rounds/${round}/unmask`, {
    index,
    token,
    selfMaskShares: shares(response.selfMaskShares),
    maskKeyShares: shares(response.maskKeyShares),
  });
  return { round, index, phase: (await waitWhile(server, round, ['unmask'], timeoutMs)).phase };
}
