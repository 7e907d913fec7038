import { fromBase64, toBase64, type Phase } from '../../server/protocol/wire-format.js';
import { encodeFixed } from '../secagg/fixed-point.js';
import { privatizeUpdate } from './privatize-update.js';
import { SecAggClient, type SignedAdvertisement } from '../secagg/secagg-client.js';
import type { Identity } from '../secagg/signed-keys.js';

/** Public facts of a round, as the server reports them. */
export interface RoundInfo {
  round: string;
  phase: Phase;
  modelVersion: number;
  threshold: number;
  vectorLength: number;
  /** L2 clip norm the update is clipped to. */
  clip: number;
  /** DP noise multiplier; this client adds its share of the noise. */
  noiseMultiplier: number;
  /** Fixed-point range per coordinate. */
  range: number;
  scale: number;
  abortReason: string | null;
}

/** How one client takes part in one round. */
export interface RoundRunnerOptions {
  /** Base URL of the federation server. */
  server: string;
  /** Stable random id of this device for the server (no user data). */
  clientId: string;
  identity: Identity;
  /** Produces this client's raw update for the round's model version; the runner clips and noises it. */
  update: (info: RoundInfo) => Promise<Float32Array> | Float32Array;
  pollMs?: number;
  /** Gives up (and drops out, which the protocol tolerates) after this long. */
  timeoutMs?: number;
  /** Test hook: stop after this step, as a device that closes its tab would. */
  dropAfter?: 'advertise' | 'share' | 'mask';
}

/** How the round ended for this client. */
export interface RoundOutcome {
  round: string;
  index: number;
  phase: Phase;
  abortReason: string | null;
  uploadedBytes: number;
}

const hex = (v: bigint) => v.toString(16);
const RETRIES = 8;

/**
 * Runs the client side of one secure-aggregation round over HTTP: only public keys, encrypted
 * share bundles and the masked vector leave the device. Requests time out and are retried on
 * network errors and 5xx; 4xx answers are final.
 */
export async function runRound(options: RoundRunnerOptions): Promise<RoundOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const pollMs = options.pollMs ?? 200;
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        const response = await fetch(new URL(path, options.server), { ...init, signal: controller.signal, headers: { 'content-type': 'application/json', ...init.headers } });
        const body = (await response.json()) as T & { error?: string; code?: string };
        // A retry of a submission the server committed before our connection broke: already counted once.
        if (response.ok || (response.status === 409 && body.code === 'duplicate')) return body;
        if (response.status < 500 || attempt >= RETRIES) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${body.error ?? ''}`);
      } catch (error) {
        if (attempt >= RETRIES || (error instanceof Error && /: 4\d\d /.test(error.message))) throw error;
      } finally {
        clearTimeout(timer);
      }
      // Backoff up to 2 s between tries: enough to ride out a server restart.
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  };
  const post = <T>(path: string, body: unknown) => call<T>(path, { method: 'POST', body: JSON.stringify(body) });
  const waitWhile = async (round: string, phases: Phase[]): Promise<RoundInfo> => {
    for (;;) {
      const info = await call<RoundInfo>(`/v1/rounds/${round}`);
      if (!phases.includes(info.phase)) return info;
      if (Date.now() > deadline) throw new Error(`round ${round} still in ${info.phase} at the client's deadline`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };

  const { round, index, token } = await post<{ round: string; index: number; token: string }>('/v1/checkin', { clientId: options.clientId, identityKey: toBase64(options.identity.publicKey) });
  const ended = (info: RoundInfo): RoundOutcome => ({ round, index, phase: info.phase, abortReason: info.abortReason, uploadedBytes });
  let uploadedBytes = 0;
  let info = await waitWhile(round, ['checkin']);
  if (info.phase === 'aborted') return ended(info);
  const client = new SecAggClient(index, options.identity, { round, threshold: info.threshold, vectorLength: info.vectorLength });

  const signed = await client.advertise();
  await post(`/v1/rounds/${round}/advertise`, { index, token, cipherPublicKey: toBase64(signed.ad.cipherPublicKey), maskPublicKey: toBase64(signed.ad.maskPublicKey), signature: toBase64(signed.signature) });
  if (options.dropAfter === 'advertise') return ended(info);
  info = await waitWhile(round, ['advertise']);
  if (info.phase === 'aborted') return ended(info);

  const listed = await call<{ index: number; identityKey: string; cipherPublicKey: string; maskPublicKey: string; signature: string }[]>(`/v1/rounds/${round}/advertisements`);
  const cohort: SignedAdvertisement[] = listed.map((a) => ({ ad: { client: a.index, cipherPublicKey: fromBase64(a.cipherPublicKey), maskPublicKey: fromBase64(a.maskPublicKey) }, signature: fromBase64(a.signature), identityKey: fromBase64(a.identityKey) }));
  const identities = new Map(cohort.map((c) => [c.ad.client, c.identityKey]));
  const bundles = await client.shareKeys(cohort, (id) => identities.get(id));
  await post(`/v1/rounds/${round}/shares`, { index, token, bundles: bundles.map((b) => ({ to: b.to, sealed: toBase64(b.sealed) })) });
  if (options.dropAfter === 'share') return ended(info);
  info = await waitWhile(round, ['share']);
  if (info.phase === 'aborted') return ended(info);

  const mine = await call<{ sharedKeys: number[]; bundles: { from: number; sealed: string }[] }>(`/v1/rounds/${round}/shares/${index}`, { headers: { authorization: `Bearer ${token}` } });
  await client.receiveShares(mine.bundles.map((b) => ({ from: b.from, sealed: fromBase64(b.sealed) })));
  // Clipped and noised here, before masking: nothing un-noised leaves the device, even masked.
  const update = privatizeUpdate(await options.update(info), { clip: info.clip, noiseMultiplier: info.noiseMultiplier, minSummands: info.threshold });
  const masked = await client.maskedInput(encodeFixed(update, { clip: info.range, scale: info.scale }), mine.sharedKeys);
  const vector = toBase64(new Uint8Array(masked.buffer));
  uploadedBytes = masked.byteLength;
  await post(`/v1/rounds/${round}/masked`, { index, token, vector });
  if (options.dropAfter === 'mask') return ended(info);
  info = await waitWhile(round, ['mask']);
  if (info.phase === 'aborted') return ended(info);

  // Consistency check: sign the survivor set we were shown; unmask only if t survivors signed the same set.
  const shown = await call<{ survivors: number[] }>(`/v1/rounds/${round}/survivors`);
  await post(`/v1/rounds/${round}/consistency`, { index, token, signature: toBase64(await client.signSurvivorSet(shown.survivors)) });
  info = await waitWhile(round, ['consistency']);
  if (info.phase === 'aborted') return ended(info);

  const { survivors, sharedKeys, signatures } = await call<{ survivors: number[]; sharedKeys: number[]; signatures: { index: number; signature: string }[] }>(`/v1/rounds/${round}/survivors`);
  const response = await client.unmask(survivors, sharedKeys, signatures.map((s) => ({ client: s.index, signature: fromBase64(s.signature) })));
  const shares = (list: typeof response.selfMaskShares) => list.map((s) => ({ of: s.of, share: { x: s.share.x, y: hex(s.share.y) } }));
  await post(`/v1/rounds/${round}/unmask`, { index, token, selfMaskShares: shares(response.selfMaskShares), maskKeyShares: shares(response.maskKeyShares) });
  return ended(await waitWhile(round, ['unmask']));
}
