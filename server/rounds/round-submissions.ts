import type {
  AdvertiseBody,
  ConsistencyBody,
  MaskedInputBody,
  ShareKeysBody,
  UnmaskBody,
} from '../../protocol/messages.js';
import { isP256Point } from '../../protocol/secagg/p256-point.js';
import { verifyAdvertisement } from '../../protocol/secagg/signed-keys.js';
import { fromBase64 } from '../../protocol/wire-format.js';
import { blobBytes } from '../store/blob-bytes.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import type { AdvertisementRow, SubmissionStore } from '../store/submission-store.js';
import { ProtocolError } from './protocol-error.js';
import type { RoundCohorts } from './round-cohorts.js';
import { hashToken } from './round-token.js';

/** Which phase a submission belongs to, and the table that records it. */
const SUBMISSION = {
  advertise: 'advertisements',
  share: 'share_senders',
  mask: 'masked_inputs',
  consistency: 'consistency_signatures',
  unmask: 'unmask_responses',
} as const;

/** Who uploaded, who shared keys, and the survivors' consistency signatures. */
export interface SurvivorsRows {
  survivors: number[];
  sharedKeys: number[];
  signatures: { index: number; signature: Buffer }[];
}

export type { AdvertisementRow };

/** The round with this id (its row locked in `lock` mode, inside a transaction), or a 404. */
export async function requireRound(store: RoundStore, roundId: string, lock?: 'update' | 'share'): Promise<RoundRow> {
  const r = lock ? await store.lockRound(roundId, lock) : await store.round(roundId);
  if (!r) throw new ProtocolError(404, `no round ${roundId}`);
  return r;
}

/**
 * What a cohort member submits in each phase, and what it may read back: every submission is
 * checked (round, phase, membership, token, contents) and stored in one transaction, then the
 * round is moved on; a replay is refused, never counted twice.
 */
export class RoundSubmissions {
  constructor(
    private readonly store: RoundStore,
    private readonly rows: SubmissionStore,
    private readonly cohorts: RoundCohorts,
    /** Moves the round on once a phase is complete; called after each submission commits. */
    private readonly advance: (roundId: string) => Promise<void>,
  ) {}

  /** Throws 403 unless `token` is the one issued to `index` at check-in. */
  private async checkToken(roundId: string, index: number, token: string): Promise<void> {
    const p = await this.rows.participant(roundId, index);
    if (!p || p.token_hash !== hashToken(token))
      throw new ProtocolError(403, `index ${index} with this token is not in round ${roundId}`);
  }

  /**
   * Checks round, phase, membership and token; throws the matching 4xx. Inside a submission's
   * transaction it holds the round's row in share mode: the phase cannot close under it.
   */
  private async authorize(
    roundId: string,
    phase: keyof typeof SUBMISSION,
    index: number,
    token: string,
    mustBeIn?: 'advertisements' | 'share_senders' | 'masked_inputs' | 'consistency_signatures',
    lock?: 'share',
  ): Promise<RoundRow> {
    const r = await requireRound(this.store, roundId, lock);
    const ended = r.phase === 'aborted' || r.phase === 'done';
    if (!ended) await this.checkToken(roundId, index, token);
    // Before the phase check: a client retrying a submission whose answer it lost, after the
    // phase moved on, learns it was stored (an ended round's tokens are gone: it answers 410).
    if (!ended && (await this.rows.has(SUBMISSION[phase], roundId, index)))
      throw new ProtocolError(
        409,
        `already received ${phase} from index ${index}; a replay is not counted twice`,
        'duplicate',
      );
    if (r.phase !== phase)
      throw new ProtocolError(ended ? 410 : 409, `round ${roundId} is in phase ${r.phase}, not ${phase}`);
    if (mustBeIn && !(await this.rows.has(mustBeIn, roundId, index)))
      throw new ProtocolError(403, `index ${index} dropped out of round ${roundId} before this phase`);
    return r;
  }

  /** Stores a submission in one transaction under the round's share lock, then moves the round on. */
  private async submit(
    roundId: string,
    store: (r: RoundRow) => Promise<void>,
    ...check: Parameters<RoundSubmissions['authorize']>
  ): Promise<void> {
    await this.store.tx(async () => store(await this.authorize(...check)));
    await this.advance(roundId);
  }

  /**
   * Takes a client's signed key advertisement once its keys are P-256 points and its signature
   * verifies with the identity key it checked in with: a bad advertiser is refused here, before
   * any peer shares with it, and the round goes on without it instead of every peer refusing.
   */
  async advertise(roundId: string, body: AdvertiseBody): Promise<void> {
    await this.authorize(roundId, 'advertise', body.index, body.token);
    const [c, m] = [fromBase64(body.cipherPublicKey), fromBase64(body.maskPublicKey)];
    if (!(await isP256Point(c)) || !(await isP256Point(m)))
      throw new ProtocolError(400, 'invalid request: public keys must be uncompressed P-256 points');
    const identityKey = (await this.rows.participant(roundId, body.index))!.identity_key;
    const ad = { client: body.index, cipherPublicKey: c, maskPublicKey: m };
    if (!(await verifyAdvertisement(blobBytes(identityKey), roundId, ad, fromBase64(body.signature))))
      throw new ProtocolError(
        400,
        "invalid request: the advertisement's signature does not verify with this client's identity key",
      );
    // Checked again inside the transaction: the phase may have moved while the signature was checked.
    await this.submit(
      roundId,
      () =>
        this.rows.insertAdvertisement(roundId, body.index, {
          cipher: c,
          mask: m,
          signature: fromBase64(body.signature),
          identityKey,
        }),
      roundId,
      'advertise',
      body.index,
      body.token,
      undefined,
      'share',
    );
  }

  /**
   * The cohort's signed advertisements (U1), once key sharing has started; with `forIndex`,
   * only that client's own and its neighbours' (all it needs in SecAgg+).
   */
  async advertisements(roundId: string, forIndex?: number): Promise<AdvertisementRow[]> {
    const r = await requireRound(this.store, roundId);
    if (['checkin', 'advertise'].includes(r.phase))
      throw new ProtocolError(409, 'advertisements are published once every key is in');
    const peers = forIndex === undefined ? undefined : this.cohorts.neighborhood(r, forIndex);
    return this.rows.advertisements(roundId, peers);
  }

  async shareKeys(roundId: string, body: ShareKeysBody): Promise<void> {
    const store = async (r: RoundRow) => {
      const cohort = new Set(
        (await this.cohorts.inNeighborhood('advertisements', r, body.index)).filter((i) => i !== body.index),
      );
      const targets = body.bundles.map((b) => b.to);
      if (
        new Set(targets).size !== targets.length ||
        targets.length !== cohort.size ||
        targets.some((t) => !cohort.has(t))
      ) {
        throw new ProtocolError(
          400,
          `expected exactly one bundle for each of the other ${cohort.size} advertised clients of this client's neighbourhood`,
        );
      }
      await this.rows.insertShares(
        roundId,
        body.index,
        body.bundles.map((b) => ({ to: b.to, sealed: fromBase64(b.sealed) })),
      );
    };
    await this.submit(roundId, store, roundId, 'share', body.index, body.token, 'advertisements', 'share');
  }

  /**
   * Bundles addressed to `index` from clients that completed key sharing, once masking started,
   * and those key sharers (U2) among its neighbours: the only ones whose masks it adds.
   */
  async sharesFor(
    roundId: string,
    index: number,
    token: string,
  ): Promise<{ sharedKeys: number[]; bundles: { from: number; sealed: Buffer }[] }> {
    const r = await requireRound(this.store, roundId);
    await this.checkToken(roundId, index, token);
    if (['checkin', 'advertise', 'share'].includes(r.phase))
      throw new ProtocolError(409, 'shares are delivered once key sharing has closed');
    const bundles = await this.rows.bundlesFor(roundId, index);
    return { sharedKeys: await this.cohorts.inNeighborhood('share_senders', r, index), bundles };
  }

  async maskedInput(roundId: string, body: MaskedInputBody): Promise<void> {
    const store = async (r: RoundRow) => {
      const bytes = fromBase64(body.vector);
      if (bytes.length !== r.vector_length * 4)
        throw new ProtocolError(
          400,
          `masked vector has ${bytes.length / 4} values; the round expects ${r.vector_length}`,
        );
      await this.rows.insertMaskedInput(roundId, body.index, bytes);
    };
    await this.submit(roundId, store, roundId, 'mask', body.index, body.token, 'share_senders', 'share');
  }

  /**
   * Survivors (U3) and key sharers (U2) once uploads have closed; from the unmasking phase on,
   * also the survivors' signatures over that set (the consistency check). With `forIndex`, the
   * key sharers and signatures are only that client's neighbourhood's, all it can use in SecAgg+
   * (it holds shares and identity keys of its neighbours only); the survivor set stays whole,
   * since every survivor signs the same one.
   */
  async survivors(roundId: string, forIndex?: number): Promise<SurvivorsRows> {
    const r = await requireRound(this.store, roundId);
    if (!['consistency', 'unmask', 'done'].includes(r.phase))
      throw new ProtocolError(409, 'survivors are published once uploads have closed');
    const peers = forIndex === undefined ? undefined : this.cohorts.neighborhood(r, forIndex);
    return {
      survivors: await this.store.indices('masked_inputs', roundId),
      sharedKeys: await this.cohorts.among('share_senders', roundId, peers),
      signatures: r.phase === 'consistency' ? [] : await this.rows.signatures(roundId, peers),
    };
  }

  async consistency(roundId: string, body: ConsistencyBody): Promise<void> {
    await this.submit(
      roundId,
      () => this.rows.insertSignature(roundId, body.index, fromBase64(body.signature)),
      roundId,
      'consistency',
      body.index,
      body.token,
      'masked_inputs',
      'share',
    );
  }

  async unmask(roundId: string, body: UnmaskBody): Promise<void> {
    const store = async () => {
      // Looked up for the shares named, not loaded whole: O(k) per response in SecAgg+.
      const named = [...new Set([...body.selfMaskShares, ...body.maskKeyShares].map((s) => s.of))];
      const survivors = new Set(await this.store.present('masked_inputs', roundId, named));
      const sharers = new Set(await this.store.present('share_senders', roundId, named));
      if (
        body.selfMaskShares.some((s) => !survivors.has(s.of)) ||
        body.maskKeyShares.some((s) => survivors.has(s.of) || !sharers.has(s.of))
      ) {
        throw new ProtocolError(
          400,
          'self-mask shares are for survivors only and mask-key shares for dropped clients only',
        );
      }
      if ([...body.selfMaskShares, ...body.maskKeyShares].some((s) => s.share.x !== body.index))
        throw new ProtocolError(400, 'every share must carry the sender index as x');
      await this.rows.insertUnmaskResponse(
        roundId,
        body.index,
        JSON.stringify({ selfMaskShares: body.selfMaskShares, maskKeyShares: body.maskKeyShares }),
      );
    };
    await this.submit(roundId, store, roundId, 'unmask', body.index, body.token, 'consistency_signatures', 'share');
  }
}
