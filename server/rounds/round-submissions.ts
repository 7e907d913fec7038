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
import { placeholders, type RoundRow, type RoundStore } from '../store/round-store.js';
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

/** One signed key advertisement as stored, with its signer's identity key. */
export interface AdvertisementRow {
  index: number;
  identityKey: Buffer;
  cipherPublicKey: Buffer;
  maskPublicKey: Buffer;
  signature: Buffer;
}

/** Who uploaded, who shared keys, and the survivors' consistency signatures. */
export interface SurvivorsRows {
  survivors: number[];
  sharedKeys: number[];
  signatures: { index: number; signature: Buffer }[];
}

/** The round with this id, or a 404. */
export function requireRound(store: RoundStore, roundId: string): RoundRow {
  const r = store.round(roundId);
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
    private readonly cohorts: RoundCohorts,
    /** The service's synchronous step: moves the round on once a phase is complete. */
    private readonly advance: (r: RoundRow) => void,
  ) {}

  private requireRound(roundId: string): RoundRow {
    return requireRound(this.store, roundId);
  }

  /** Throws 403 unless `token` is the one issued to `index` at check-in. */
  private checkToken(roundId: string, index: number, token: string): void {
    const p = this.store.db
      .prepare('SELECT token_hash FROM participants WHERE round_id = ? AND idx = ?')
      .get(roundId, index) as { token_hash: string } | undefined;
    if (!p || p.token_hash !== hashToken(token))
      throw new ProtocolError(403, `index ${index} with this token is not in round ${roundId}`);
  }

  /** Checks round, phase, membership and token; throws the matching 4xx. */
  private authorize(
    roundId: string,
    phase: keyof typeof SUBMISSION,
    index: number,
    token: string,
    mustBeIn?: 'advertisements' | 'share_senders' | 'masked_inputs' | 'consistency_signatures',
  ): RoundRow {
    const r = this.requireRound(roundId);
    if (r.phase !== phase)
      throw new ProtocolError(
        r.phase === 'aborted' || r.phase === 'done' ? 410 : 409,
        `round ${roundId} is in phase ${r.phase}, not ${phase}`,
      );
    this.checkToken(roundId, index, token);
    if (
      mustBeIn &&
      !this.store.db.prepare(`SELECT 1 FROM ${mustBeIn} WHERE round_id = ? AND idx = ?`).get(roundId, index)
    ) {
      throw new ProtocolError(403, `index ${index} dropped out of round ${roundId} before this phase`);
    }
    if (
      this.store.db.prepare(`SELECT 1 FROM ${SUBMISSION[phase]} WHERE round_id = ? AND idx = ?`).get(roundId, index)
    ) {
      throw new ProtocolError(
        409,
        `already received ${phase} from index ${index}; a replay is not counted twice`,
        'duplicate',
      );
    }
    return r;
  }

  /**
   * Takes a client's signed key advertisement once its keys are P-256 points and its signature
   * verifies with the identity key it checked in with: a bad advertiser is refused here, before
   * any peer shares with it, and the round goes on without it instead of every peer refusing.
   */
  async advertise(roundId: string, body: AdvertiseBody): Promise<void> {
    this.authorize(roundId, 'advertise', body.index, body.token);
    const [c, m] = [fromBase64(body.cipherPublicKey), fromBase64(body.maskPublicKey)];
    if (!(await isP256Point(c)) || !(await isP256Point(m)))
      throw new ProtocolError(400, 'invalid request: public keys must be uncompressed P-256 points');
    const identityKey = this.store.db
      .prepare('SELECT identity_key FROM participants WHERE round_id = ? AND idx = ?')
      .get(roundId, body.index) as { identity_key: Buffer };
    const ad = { client: body.index, cipherPublicKey: c, maskPublicKey: m };
    if (!(await verifyAdvertisement(blobBytes(identityKey.identity_key), roundId, ad, fromBase64(body.signature))))
      throw new ProtocolError(
        400,
        "invalid request: the advertisement's signature does not verify with this client's identity key",
      );
    this.store.tx(() => {
      // Checked again inside the transaction: the phase may have moved while the signature was checked.
      const r = this.authorize(roundId, 'advertise', body.index, body.token);
      this.store.db
        .prepare(
          'INSERT INTO advertisements (round_id, idx, cipher_pk, mask_pk, signature, identity_key) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(roundId, body.index, c, m, fromBase64(body.signature), identityKey.identity_key);
      this.advance(r);
    });
  }

  /**
   * The cohort's signed advertisements (U1), once key sharing has started; with `forIndex`,
   * only that client's own and its neighbours' (all it needs in SecAgg+).
   */
  advertisements(roundId: string, forIndex?: number): AdvertisementRow[] {
    const r = this.requireRound(roundId);
    if (['checkin', 'advertise'].includes(r.phase))
      throw new ProtocolError(409, 'advertisements are published once every key is in');
    const peers = forIndex === undefined ? undefined : this.cohorts.neighborhood(r, forIndex);
    const only = peers ? ` AND a.idx IN ${placeholders(peers.length)}` : '';
    return this.store.db
      .prepare(
        `SELECT a.idx AS "index", COALESCE(a.identity_key, p.identity_key) AS identityKey, a.cipher_pk AS ` +
          `cipherPublicKey, a.mask_pk AS maskPublicKey, a.signature FROM advertisements a LEFT JOIN participants p ` +
          `ON p.round_id = a.round_id AND p.idx = a.idx WHERE a.round_id = ?${only} ORDER BY a.idx`,
      )
      .all(roundId, ...(peers ?? [])) as never;
  }

  shareKeys(roundId: string, body: ShareKeysBody): void {
    this.store.tx(() => {
      const r = this.authorize(roundId, 'share', body.index, body.token, 'advertisements');
      const cohort = new Set(
        this.cohorts.inNeighborhood('advertisements', r, body.index).filter((i) => i !== body.index),
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
      const insert = this.store.db.prepare(
        'INSERT INTO share_bundles (round_id, from_idx, to_idx, sealed) VALUES (?, ?, ?, ?)',
      );
      for (const b of body.bundles) insert.run(roundId, body.index, b.to, fromBase64(b.sealed));
      this.store.db.prepare('INSERT INTO share_senders (round_id, idx) VALUES (?, ?)').run(roundId, body.index);
      this.advance(r);
    });
  }

  /**
   * Bundles addressed to `index` from clients that completed key sharing, once masking started,
   * and those key sharers (U2) among its neighbours: the only ones whose masks it adds.
   */
  sharesFor(
    roundId: string,
    index: number,
    token: string,
  ): { sharedKeys: number[]; bundles: { from: number; sealed: Buffer }[] } {
    const r = this.requireRound(roundId);
    this.checkToken(roundId, index, token);
    if (['checkin', 'advertise', 'share'].includes(r.phase))
      throw new ProtocolError(409, 'shares are delivered once key sharing has closed');
    const bundles = this.store.db
      .prepare(
        'SELECT b.from_idx AS "from", b.sealed FROM share_bundles b JOIN share_senders s ON s.round_id = ' +
          'b.round_id AND s.idx = b.from_idx WHERE b.round_id = ? AND b.to_idx = ? ORDER BY b.from_idx',
      )
      .all(roundId, index) as never;
    return { sharedKeys: this.cohorts.inNeighborhood('share_senders', r, index), bundles };
  }

  maskedInput(roundId: string, body: MaskedInputBody): void {
    this.store.tx(() => {
      const r = this.authorize(roundId, 'mask', body.index, body.token, 'share_senders');
      const bytes = fromBase64(body.vector);
      if (bytes.length !== r.vector_length * 4)
        throw new ProtocolError(
          400,
          `masked vector has ${bytes.length / 4} values; the round expects ${r.vector_length}`,
        );
      this.store.db
        .prepare('INSERT INTO masked_inputs (round_id, idx, vector) VALUES (?, ?, ?)')
        .run(roundId, body.index, bytes);
      this.advance(r);
    });
  }

  /**
   * Survivors (U3) and key sharers (U2) once uploads have closed; from the unmasking phase on,
   * also the survivors' signatures over that set (the consistency check). With `forIndex`, the
   * key sharers and signatures are only that client's neighbourhood's, all it can use in SecAgg+
   * (it holds shares and identity keys of its neighbours only); the survivor set stays whole,
   * since every survivor signs the same one.
   */
  survivors(roundId: string, forIndex?: number): SurvivorsRows {
    const r = this.requireRound(roundId);
    if (!['consistency', 'unmask', 'done'].includes(r.phase))
      throw new ProtocolError(409, 'survivors are published once uploads have closed');
    const peers = forIndex === undefined ? undefined : this.cohorts.neighborhood(r, forIndex);
    const only = peers ? ` AND idx IN ${placeholders(peers.length)}` : '';
    const signatures =
      r.phase === 'consistency'
        ? []
        : (this.store.db
            .prepare(
              `SELECT idx AS "index", signature FROM consistency_signatures WHERE round_id = ?${only} ORDER BY idx`,
            )
            .all(roundId, ...(peers ?? [])) as { index: number; signature: Buffer }[]);
    return {
      survivors: this.store.indices('masked_inputs', roundId),
      sharedKeys: this.cohorts.among('share_senders', roundId, peers),
      signatures,
    };
  }

  consistency(roundId: string, body: ConsistencyBody): void {
    this.store.tx(() => {
      const r = this.authorize(roundId, 'consistency', body.index, body.token, 'masked_inputs');
      this.store.db
        .prepare('INSERT INTO consistency_signatures (round_id, idx, signature) VALUES (?, ?, ?)')
        .run(roundId, body.index, fromBase64(body.signature));
      this.advance(r);
    });
  }

  unmask(roundId: string, body: UnmaskBody): void {
    this.store.tx(() => {
      this.authorize(roundId, 'unmask', body.index, body.token, 'consistency_signatures');
      // Looked up for the shares named, not loaded whole: O(k) per response in SecAgg+.
      const named = [...new Set([...body.selfMaskShares, ...body.maskKeyShares].map((s) => s.of))];
      const survivors = new Set(this.store.present('masked_inputs', roundId, named));
      const sharers = new Set(this.store.present('share_senders', roundId, named));
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
      this.store.db
        .prepare('INSERT INTO unmask_responses (round_id, idx, body) VALUES (?, ?, ?)')
        .run(
          roundId,
          body.index,
          JSON.stringify({ selfMaskShares: body.selfMaskShares, maskKeyShares: body.maskKeyShares }),
        );
    });
  }
}
