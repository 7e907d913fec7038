import { fromBase64, toBase64, type Phase } from '../../protocol/wire-format.js';
import { encodeFixed } from '../../protocol/secagg/fixed-point.js';
import { SecAggClient, type SecAggSnapshot, type SignedAdvertisement } from '../../protocol/secagg/secagg-client.js';
import { SecAggRefusal } from '../../protocol/secagg/secagg-refusal.js';
import type { Identity } from '../../protocol/secagg/signed-keys.js';
import { clientWeight, privatizeUpdate } from '../../protocol/privacy/privatize-update.js';
import { privatizeCounts } from '../../protocol/analytics/privatize-counts.js';
import type { AnalyticsTargetBody } from '../../protocol/messages.js';
import type {
  AdvertisementEntry,
  CheckInReply,
  CohortSeat,
  RoundInfo,
  SharesReply,
  SurvivorsReply,
} from '../../protocol/responses.js';
import { RoundHttp, RoundHttpError } from './round-http.js';

export type { RoundInfo } from '../../protocol/responses.js';

type Step = 'joined' | 'advertised' | 'shared' | 'masked' | 'signed' | 'unmasked';

/**
 * A round in progress, saved after every step so a reloaded page picks up where it was. A
 * message is saved before it is sent: resending it after a crash is answered `duplicate`.
 */
export interface RoundSession {
  server: string;
  round: string;
  /** This client's index in the cohort; undefined until the cohort is drawn. */
  index?: number;
  token: string;
  step: Step;
  client?: SecAggSnapshot;
  pending?: { path: string; body: unknown; next: Step };
  uploadedBytes: number;
}

/** How one client takes part in one round. */
export interface RoundRunnerOptions {
  /** Base URL of the federation server. */
  server: string;
  /** Stable random id of this device for the server (no user data). */
  clientId: string;
  /** The shop's participation ticket for this client id, when its server admits by ticket. */
  ticket?: () => Promise<string | undefined>;
  identity: Identity;
  /** Produces this client's raw update for the round's model version; the runner clips and noises it. */
  update?: (info: RoundInfo) => Promise<Float32Array> | Float32Array;
  /**
   * Instead of `update`: an experiment's counters for one period (see counterVector). The client
   * checks in to that experiment's analytics round and adds the round's discrete noise to them.
   */
  analytics?: AnalyticsTargetBody & { vector: readonly number[] };
  /** Next-item examples in this client's history: its weight when the server weighs clients by data. */
  examples?: number;
  /** Between status requests the server answered without holding them (default 200 ms). */
  pollMs?: number;
  /**
   * How long the server may hold a status request until the round's phase moves (default 20 s;
   * 0: plain polling every pollMs).
   */
  longPollMs?: number;
  /** Gives up (and drops out, which the protocol tolerates) after this long. */
  timeoutMs?: number;
  /**
   * Gives up on one request after this long and retries it (default 10 s). Thousands of
   * in-process simulated clients share one event loop with the server, so their requests wait
   * far longer than a device's would; timing them out only piles up retries and sockets.
   */
  requestTimeoutMs?: number;
  /** Test hook: stop after this step, as a device that closes its tab would. */
  dropAfter?: 'advertise' | 'share' | 'mask';
  /** A saved session to resume instead of checking in. */
  session?: RoundSession;
  /** Saves the session after each step (undefined once the round is over). */
  persist?: (session: RoundSession | undefined) => Promise<void>;
}

/** How the round ended for this client. */
export interface RoundOutcome {
  round: string;
  /** This client's index in the cohort; 0 when it was not drawn into it. */
  index: number;
  /** False when the client checked in but was not drawn into the cohort (nothing was sent). */
  selected: boolean;
  phase: Phase;
  abortReason: string | null;
  uploadedBytes: number;
}

const hex = (v: bigint) => v.toString(16);
const bearerOf = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const DROP_AFTER: Record<NonNullable<RoundRunnerOptions['dropAfter']>, Step> = {
  advertise: 'advertised',
  share: 'shared',
  mask: 'masked',
};

/**
 * Runs (or resumes) the client side of one secure-aggregation round over HTTP: only public keys,
 * encrypted share bundles, a signature over the survivor set and the masked vector leave the device.
 * A refusal (the server's 4xx, or a SecAggRefusal of this client's checks) ends the session for
 * good and is thrown; network trouble leaves it saved for a later resume.
 */
export async function runRound(options: RoundRunnerOptions): Promise<RoundOutcome> {
  try {
    return await runSteps(options);
  } catch (error) {
    // A refusal, the server's (4xx) or this client's own (SecAggRefusal), ends the round for this client.
    if (
      (error instanceof RoundHttpError && error.status >= 400 && error.status < 500) ||
      error instanceof SecAggRefusal
    )
      await options.persist?.(undefined);
    throw error;
  }
}

/**
 * This client's input to the round, clipped and noised here, before masking: nothing un-noised
 * leaves the device, even masked. A round of another kind than asked for is refused.
 */
async function privateInput(options: RoundRunnerOptions, info: RoundInfo): Promise<Uint32Array> {
  const target = options.analytics;
  if (target) {
    const a = info.analytics;
    if (
      info.kind !== 'analytics' ||
      a?.experiment !== target.experiment ||
      a.period !== target.period ||
      a.arms.join('\n') !== target.arms.join('\n') ||
      a.currency !== target.currency ||
      info.vectorLength !== target.vector.length
    )
      throw new SecAggRefusal(`round ${info.round} is not experiment ${target.experiment}'s period ${target.period}`);
    return privatizeCounts(target, target.vector, a.localVariance);
  }
  if (info.kind === 'analytics' || !options.update)
    throw new SecAggRefusal(`round ${info.round} sums experiment counters, not model updates`);
  const weight = info.weighting && options.examples !== undefined ? clientWeight(options.examples, info.weighting) : 1;
  const update = privatizeUpdate(await options.update(info), {
    clip: info.clip,
    noiseMultiplier: info.noiseMultiplier,
    minSummands: info.threshold,
    weight,
  });
  return encodeFixed(update, { clip: info.range, scale: info.scale });
}

async function runSteps(options: RoundRunnerOptions): Promise<RoundOutcome> {
  const http = new RoundHttp(
    options.server,
    options.pollMs ?? 200,
    Date.now() + (options.timeoutMs ?? 120_000),
    options.requestTimeoutMs,
    options.longPollMs,
  );
  const persist = options.persist ?? (async () => undefined);
  const ticket = await options.ticket?.();
  let s: RoundSession = options.session ?? {
    server: options.server,
    ...(await http.post<CheckInReply>('/v1/checkin', {
      clientId: options.clientId,
      identityKey: toBase64(options.identity.publicKey),
      ...(ticket !== undefined && { ticket }),
      ...(options.analytics && {
        analytics: {
          experiment: options.analytics.experiment,
          period: options.analytics.period,
          arms: options.analytics.arms,
          ...(options.analytics.currency && { currency: options.analytics.currency }),
        },
      }),
    })),
    step: 'joined',
    uploadedBytes: 0,
  };
  await persist(s);
  const { round, token } = s;
  let info = await http.waitWhile(round, ['checkin']);
  if (s.index === undefined && info.phase !== 'aborted') {
    // Check-in closed: the cohort was drawn from everyone who checked in; was this client?
    try {
      s = { ...s, index: (await http.call<CohortSeat>(`/v1/rounds/${round}/me`, bearerOf(token))).index };
    } catch (error) {
      if (!(error instanceof RoundHttpError && error.code === 'not_selected')) throw error;
      await persist(undefined);
      return { round, index: 0, selected: false, phase: info.phase, abortReason: null, uploadedBytes: 0 };
    }
    await persist(s);
  }
  const index = s.index ?? 0;
  const result = (phase: Phase, abortReason: string | null): RoundOutcome => ({
    round,
    index,
    selected: true,
    phase,
    abortReason,
    uploadedBytes: s.uploadedBytes,
  });
  const over = async (at: RoundInfo): Promise<RoundOutcome> => {
    await persist(undefined);
    return result(at.phase, at.abortReason);
  };
  let client: SecAggClient | undefined = s.client ? SecAggClient.restore(s.client, options.identity) : undefined;
  const send = async (next: Step, path: string, body: unknown) => {
    s = { ...s, ...(client && { client: client.snapshot() }), pending: { path, body, next } };
    await persist(s);
    await http.post(path, body);
    s = { ...s, step: next, pending: undefined };
    await persist(s);
  };
  if (s.pending) await send(s.pending.next, s.pending.path, s.pending.body);
  if (info.phase === 'aborted') return over(info);
  if (s.step === 'joined') {
    client = new SecAggClient(index, options.identity, {
      round,
      threshold: info.shareThreshold,
      minSurvivors: info.threshold,
      vectorLength: info.vectorLength,
      graph: { cohortSize: info.participants, degree: info.degree },
    });
    const signed = await client.advertise();
    await send('advertised', `/v1/rounds/${round}/advertise`, {
      index,
      token,
      cipherPublicKey: toBase64(signed.ad.cipherPublicKey),
      maskPublicKey: toBase64(signed.ad.maskPublicKey),
      signature: toBase64(signed.signature),
    });
  }
  const dropHere = () => options.dropAfter !== undefined && DROP_AFTER[options.dropAfter] === s.step;
  const stepped = async (waitFor: Phase[]) => {
    info = await http.waitWhile(round, waitFor);
    return info.phase === 'aborted' || info.phase === 'done';
  };
  if (dropHere()) return result(info.phase, null);
  if (await stepped(['advertise'])) return over(info);

  if (s.step === 'advertised') {
    const listed = await http.call<AdvertisementEntry[]>(`/v1/rounds/${round}/advertisements?index=${index}`);
    const cohort: SignedAdvertisement[] = listed.map((a) => ({
      ad: {
        client: a.index,
        cipherPublicKey: fromBase64(a.cipherPublicKey),
        maskPublicKey: fromBase64(a.maskPublicKey),
      },
      signature: fromBase64(a.signature),
      identityKey: fromBase64(a.identityKey),
    }));
    const identities = new Map(cohort.map((c) => [c.ad.client, c.identityKey]));
    const bundles = await client!.shareKeys(cohort, (id) => identities.get(id));
    await send('shared', `/v1/rounds/${round}/shares`, {
      index,
      token,
      bundles: bundles.map((b) => ({ to: b.to, sealed: toBase64(b.sealed) })),
    });
  }
  if (dropHere()) return result(info.phase, null);
  if (await stepped(['share'])) return over(info);

  if (s.step === 'shared') {
    const mine = await http.call<SharesReply>(`/v1/rounds/${round}/shares/${index}`, {
      ...bearerOf(token),
    });
    await client!.receiveShares(mine.bundles.map((b) => ({ from: b.from, sealed: fromBase64(b.sealed) })));
    const masked = await client!.maskedInput(await privateInput(options, info), mine.sharedKeys);
    s = { ...s, uploadedBytes: masked.byteLength };
    await send('masked', `/v1/rounds/${round}/masked`, {
      index,
      token,
      vector: toBase64(new Uint8Array(masked.buffer)),
    });
  }
  if (dropHere()) return result(info.phase, null);
  if (await stepped(['mask'])) return over(info);

  if (s.step === 'masked') {
    // Consistency check: sign the survivor set we were shown; unmask only if t survivors signed the same set.
    const shown = await http.call<SurvivorsReply>(`/v1/rounds/${round}/survivors?index=${index}`);
    await send('signed', `/v1/rounds/${round}/consistency`, {
      index,
      token,
      signature: toBase64(await client!.signSurvivorSet(shown.survivors)),
    });
  }
  if (await stepped(['consistency'])) return over(info);

  if (s.step === 'signed') {
    const { survivors, sharedKeys, signatures } = await http.call<SurvivorsReply>(
      `/v1/rounds/${round}/survivors?index=${index}`,
    );
    const response = await client!.unmask(
      survivors,
      sharedKeys,
      signatures.map((x) => ({ client: x.index, signature: fromBase64(x.signature) })),
    );
    const shares = (list: typeof response.selfMaskShares) =>
      list.map((x) => ({ of: x.of, share: { x: x.share.x, y: hex(x.share.y) } }));
    await send('unmasked', `/v1/rounds/${round}/unmask`, {
      index,
      token,
      selfMaskShares: shares(response.selfMaskShares),
      maskKeyShares: shares(response.maskKeyShares),
    });
  }
  return over(await http.waitWhile(round, ['unmask']));
}
