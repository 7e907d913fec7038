import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ClientWeighting } from '../../protocol/privacy/privatize-update.js';
import type { CheckInReply, CohortSeat, RoundInfo } from '../../protocol/responses.js';
import { type PrivacySpent, privacySpent } from '../privacy/privacy-spent.js';
import {
  fromBase64,
  type AdvertiseBody,
  type CheckInBody,
  type ConsistencyBody,
  type MaskedInputBody,
  type Phase,
  type ShareKeysBody,
  type UnmaskBody,
} from '../../protocol/messages.js';
import { isP256Point } from '../../protocol/secagg/p256-point.js';
import { verifyAdvertisement } from '../../protocol/secagg/signed-keys.js';
import { AdmissionStore } from '../store/admission-store.js';
import { blobBytes } from '../store/blob-bytes.js';
import { Admission } from './admission.js';
import { placeholders, type RoundRow, type RoundStore } from '../store/round-store.js';
import { finalizeRound } from './finalize-round.js';
import { nextPhase, phaseExpired } from './next-phase.js';
import { PhaseWatch } from './phase-watch.js';
import { ProtocolError } from './protocol-error.js';
import { RoundCohorts } from './round-cohorts.js';
import type { ServerConfig } from './server-config.js';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Which phase a submission belongs to, and the table that records it. */
const SUBMISSION = {
  advertise: 'advertisements',
  share: 'share_senders',
  mask: 'masked_inputs',
  consistency: 'consistency_signatures',
  unmask: 'unmask_responses',
} as const;

/**
 * The round lifecycle: check-in, cohort selection, key advertisement, key sharing, masked
 * inputs, unmasking, aggregation, next model version. All state lives in the store; this class
 * only decides, so a restarted server picks up every open round where it was.
 */
export class RoundService {
  private finalizing = new Set<string>();
  private readonly cohorts: RoundCohorts;
  private readonly watch: PhaseWatch;
  private readonly admission: Admission;

  constructor(
    private readonly store: RoundStore,
    readonly config: ServerConfig,
    private readonly now: () => number = Date.now,
    private readonly log: (event: string, fields: Record<string, unknown>) => void = () => undefined,
    initialParams?: Float32Array,
  ) {
    if (initialParams && initialParams.length !== config.vectorLength)
      throw new Error(`initial parameters have ${initialParams.length} values; vectorLength is ${config.vectorLength}`);
    if (!store.latestModel())
      store.insertModel(1, initialParams ?? new Float32Array(config.vectorLength), null, null, now());
    this.watch = new PhaseWatch(config.maxHeldPolls);
    // Deadlines count server uptime: a round that was on time when the server stopped still is.
    const resumed = store.restartPhaseClocks(now());
    if (resumed > 0) log('rounds_resumed', { rounds: resumed });
    store.onPhaseChange((roundId) => this.watch.changed(roundId));
    this.cohorts = new RoundCohorts(store);
    this.admission = new Admission(config, new AdmissionStore(store.db));
  }

  /**
   * A device checks in to the open round as a candidate (a new round is opened when none is):
   * its identity key must be a P-256 point and, unless admission is open, it must hold an unused
   * ticket for its client id. Returns the round and a secret token; whether it is drawn into the
   * cohort, and at which index, it learns from `seat` once check-in closes.
   */
  async checkIn(body: CheckInBody): Promise<CheckInReply> {
    const identityKey = fromBase64(body.identityKey);
    if (!(await isP256Point(identityKey)))
      throw new ProtocolError(400, 'invalid request: identityKey is not a P-256 public key');
    const claims = await this.admission.ticket(body.clientId, body.ticket, this.now());
    return this.store.tx(() => {
      const round = this.store.openRounds().find((r) => r.phase === 'checkin') ?? this.openRound();
      if (
        this.store.db
          .prepare('SELECT 1 FROM candidates WHERE round_id = ? AND client_id = ?')
          .get(round.id, body.clientId)
      ) {
        throw new ProtocolError(409, 'this client already checked in to the open round; resume with its stored token');
      }
      this.admission.admit(body.clientId, identityKey, claims, this.now());
      const token = randomBytes(32).toString('hex');
      this.store.db
        .prepare(
          'INSERT INTO candidates (round_id, candidate, client_id, token_hash, identity_key) VALUES (?, ?, ?, ?, ?)',
        )
        .run(round.id, this.store.candidateCount(round.id) + 1, body.clientId, hashToken(token), identityKey);
      this.advanceSync(round);
      return { round: round.id, token };
    });
  }

  /** Opens a round for check-ins, unless one more round would pass the privacy budget. */
  private openRound(): RoundRow {
    const privacy = this.privacy();
    if (privacy.projectedEpsilon > this.config.epsilonBudget) {
      throw new ProtocolError(
        403,
        `privacy budget spent: epsilon ${privacy.epsilon.toFixed(3)} of ${this.config.epsilonBudget} at ` +
          `delta ${privacy.delta.toExponential(2)}; another round would reach ${privacy.projectedEpsilon.toFixed(3)}, so no more rounds run`,
      );
    }
    const id = randomUUID();
    this.store.insertRound({
      id,
      model_version: this.store.latestModel()!.version,
      phase: 'checkin',
      threshold: 0,
      vector_length: this.config.vectorLength,
      min_clients: this.config.minClients,
      max_clients: this.config.maxClients,
      clip: this.config.clip,
      noise_multiplier: this.config.noiseMultiplier,
      range: 0,
      scale: 0,
      phase_started_at: this.now(),
      created_at: this.now(),
    });
    this.log('round_opened', { round: id, modelVersion: this.store.latestModel()!.version });
    return this.store.round(id)!;
  }

  /**
   * A checked-in client's seat once the cohort is drawn: its index, or a 403 `not_selected`
   * when it was not drawn (it may check in to the next round).
   */
  seat(roundId: string, token: string): CohortSeat {
    const r = this.requireRound(roundId);
    if (r.phase === 'checkin') throw new ProtocolError(409, 'the cohort is drawn when check-in closes');
    const hash = hashToken(token);
    const seat = this.store.db
      .prepare('SELECT idx FROM participants WHERE round_id = ? AND token_hash = ?')
      .get(roundId, hash) as { idx: number } | undefined;
    if (seat) return { index: seat.idx };
    const candidate = this.store.db
      .prepare('SELECT 1 FROM candidates WHERE round_id = ? AND token_hash = ?')
      .get(roundId, hash);
    if (candidate) throw new ProtocolError(403, `not drawn into round ${roundId}'s cohort`, 'not_selected');
    throw new ProtocolError(403, `this token is not a candidate of round ${roundId}`);
  }

  /** How clients weigh their updates this deployment (see ServerConfig.weightExamples). */
  weighting(): ClientWeighting {
    return { examples: this.config.weightExamples, cap: this.config.weightCap };
  }

  /** Public state of a round, for polling clients. */
  roundInfo(roundId: string): RoundInfo {
    const r = this.requireRound(roundId);
    return {
      round: r.id,
      phase: r.phase,
      modelVersion: r.model_version,
      threshold: r.threshold,
      shareThreshold: r.share_threshold || r.threshold,
      degree: r.degree,
      vectorLength: r.vector_length,
      clip: r.clip,
      noiseMultiplier: r.noise_multiplier,
      range: r.range,
      scale: r.scale,
      participants: this.cohorts.size(r),
      abortReason: r.abort_reason,
      weighting: this.weighting(),
    };
  }

  /**
   * `roundInfo` once the round is in none of `phases`, held up to `holdMs` until then (a long
   * poll: see PhaseWatch); a round that does not exist is a 404 at once.
   */
  roundInfoWhile(roundId: string, phases: readonly Phase[], holdMs: number): Promise<RoundInfo> {
    this.requireRound(roundId);
    return this.watch.hold(roundId, phases, holdMs, () => this.roundInfo(roundId));
  }

  /** Answers every held status request now; the HTTP app calls it as it closes. */
  releaseHolds(): void {
    this.watch.close();
  }

  /** Privacy spent so far by DP-FedAvg (see privacySpent). */
  privacy(): PrivacySpent {
    return privacySpent(this.store.finishedRounds(), this.config);
  }

  private requireRound(roundId: string): RoundRow {
    const r = this.store.round(roundId);
    if (!r) throw new ProtocolError(404, `no round ${roundId}`);
    return r;
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
      this.advanceSync(r);
    });
  }

  /**
   * The cohort's signed advertisements (U1), once key sharing has started; with `forIndex`,
   * only that client's own and its neighbours' (all it needs in SecAgg+).
   */
  advertisements(
    roundId: string,
    forIndex?: number,
  ): { index: number; identityKey: Buffer; cipherPublicKey: Buffer; maskPublicKey: Buffer; signature: Buffer }[] {
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
      this.advanceSync(r);
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
      this.advanceSync(r);
    });
  }

  /**
   * Survivors (U3) and key sharers (U2) once uploads have closed; from the unmasking phase on,
   * also the survivors' signatures over that set (the consistency check). With `forIndex`, the
   * key sharers and signatures are only that client's neighbourhood's, all it can use in SecAgg+
   * (it holds shares and identity keys of its neighbours only); the survivor set stays whole,
   * since every survivor signs the same one.
   */
  survivors(
    roundId: string,
    forIndex?: number,
  ): { survivors: number[]; sharedKeys: number[]; signatures: { index: number; signature: Buffer }[] } {
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
      this.advanceSync(r);
    });
  }

  async unmask(roundId: string, body: UnmaskBody): Promise<void> {
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
    await this.advance(roundId);
  }

  /**
   * Applies deadlines to every open round; the server calls it on a timer and at start-up.
   * Never throws: a round that cannot advance is aborted alone (see advance).
   */
  async tick(): Promise<void> {
    for (const r of this.store.openRounds()) await this.advance(r.id);
    this.admission.prune(this.now());
  }

  /**
   * Moves one round on. Any error doing so (a participant's poisoned share, a bug, a corrupt
   * row) aborts that round with the error as its logged reason instead of escaping: one round's
   * fault must not stop tick(), other rounds' deadlines or the server's start-up.
   */
  private async advance(roundId: string): Promise<void> {
    try {
      const r = this.store.tx(() => {
        const row = this.requireRound(roundId);
        this.advanceSync(row);
        return this.requireRound(roundId);
      });
      if (r.phase === 'unmask' && this.unmaskReady(r) && !this.finalizing.has(r.id)) {
        this.finalizing.add(r.id);
        try {
          await finalizeRound(this.store, this.config, r, this.cohorts.params(r), this.now, this.log);
        } finally {
          this.finalizing.delete(r.id);
        }
      }
    } catch (error) {
      this.abortAfterError(roundId, error);
    }
  }

  /** Aborts a round that threw while advancing, unless it already ended; logs the error with its stack. */
  private abortAfterError(roundId: string, error: unknown): void {
    const reason = `server error while advancing the round: ${error instanceof Error ? error.message : String(error)}`;
    this.log('round_failed', { round: roundId, error: String(error), stack: (error as Error | undefined)?.stack });
    try {
      const r = this.store.round(roundId);
      if (!r || r.phase === 'done' || r.phase === 'aborted') return;
      this.store.setPhase(roundId, 'aborted', this.now(), { abort_reason: reason.slice(0, 500) });
      this.log('round_aborted', { round: roundId, reason });
    } catch (storeError) {
      this.log('round_abort_failed', { round: roundId, error: String(storeError) });
    }
  }

  private unmaskReady(r: RoundRow): boolean {
    const responses = this.store.count('unmask_responses', r.id);
    return (
      responses === this.store.count('consistency_signatures', r.id) ||
      (phaseExpired(r, this.config, this.now()) && responses >= r.threshold)
    );
  }

  /** Moves a round forward while its phase is complete or its deadline passed (synchronous steps only). */
  private advanceSync(r: RoundRow): void {
    for (;;) {
      const next = nextPhase(r, this.store, this.config, this.weighting(), this.now());
      if (!next) return;
      if (r.phase === 'checkin' && next.phase === 'advertise') this.store.drawCohort(r.id, next.fields.cohort!);
      this.store.setPhase(r.id, next.phase, this.now(), next.fields);
      this.log(next.phase === 'aborted' ? 'round_aborted' : 'round_phase', {
        round: r.id,
        phase: next.phase,
        ...next.fields,
      });
      r = this.store.round(r.id)!;
    }
  }
}
