import { randomUUID } from 'node:crypto';
import type { AnalyticsTargetBody, CheckInBody } from '../../protocol/messages.js';
import { layoutLength } from '../../protocol/analytics/counter-vector.js';
import type { CheckInReply, CohortSeat } from '../../protocol/responses.js';
import { isP256Point } from '../../protocol/secagg/p256-point.js';
import { fromBase64 } from '../../protocol/wire-format.js';
import type { PrivacySpent } from '../privacy/privacy-spent.js';
import { AdmissionStore } from '../store/admission-store.js';
import type { AnalyticsStore } from '../store/analytics-store.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import { Admission } from './admission.js';
import { ProtocolError } from './protocol-error.js';
import { hashToken, newToken } from './round-token.js';
import type { ServerConfig } from './server-config.js';

/** Whether an open round takes this check-in: model rounds take model check-ins; analytics rounds their experiment's period and arms. */
function sameTarget(r: RoundRow, target: AnalyticsTargetBody | undefined): boolean {
  if (!target) return r.kind === 'model';
  return (
    r.kind === 'analytics' &&
    r.experiment === target.experiment &&
    r.period === target.period &&
    r.arms === JSON.stringify(target.arms) &&
    r.currency === (target.currency ?? null)
  );
}

/**
 * The way into a round: admission, candidates and the drawn cohort. A check-in opens a round
 * when none is open (unless the privacy budget is spent), is admitted by ticket or openly, and
 * waits as a candidate until check-in closes and the cohort is drawn (RoundStore.drawCohort).
 */
export class CheckInDesk {
  private readonly admission: Admission;

  constructor(
    private readonly store: RoundStore,
    private readonly config: ServerConfig,
    private readonly now: () => number,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
    private readonly privacy: () => PrivacySpent,
    /** Moves the round on (a full pool closes check-in): the service's synchronous step. */
    private readonly advance: (r: RoundRow) => void,
    private readonly analytics: AnalyticsStore,
    /** What an experiment's periods would spend with one more (see experimentPrivacy). */
    private readonly analyticsEpsilonWith: (target: AnalyticsTargetBody) => number,
  ) {
    this.admission = new Admission(config, new AdmissionStore(store.db));
  }

  /** Forgets spent tickets past their expiry. */
  prune(now: number): void {
    this.admission.prune(now);
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
    const target = body.analytics;
    if (target) this.checkPeriod(target);
    return this.store.tx(() => {
      if (target && this.analytics.contributed(target.experiment, target.period, body.clientId))
        throw new ProtocolError(
          409,
          `this client already reported experiment ${target.experiment}'s period ${target.period}`,
          'already_reported',
        );
      const round =
        this.store.openRounds().find((r) => r.phase === 'checkin' && sameTarget(r, target)) ?? this.openRound(target);
      if (
        this.store.db
          .prepare('SELECT 1 FROM candidates WHERE round_id = ? AND client_id = ?')
          .get(round.id, body.clientId)
      ) {
        throw new ProtocolError(409, 'this client already checked in to the open round; resume with its stored token');
      }
      this.admission.admit(body.clientId, identityKey, claims, this.now());
      const token = newToken();
      this.store.db
        .prepare(
          'INSERT INTO candidates (round_id, candidate, client_id, token_hash, identity_key) VALUES (?, ?, ?, ?, ?)',
        )
        .run(round.id, this.store.candidateCount(round.id) + 1, body.clientId, hashToken(token), identityKey);
      this.advance(round);
      return { round: round.id, token };
    });
  }

  /** A period that has not begun yet, or ended more than 31 days ago, is refused. */
  private checkPeriod(target: AnalyticsTargetBody): void {
    const today = Math.floor(this.now() / 86_400_000);
    if (target.period > today || target.period < today - 31)
      throw new ProtocolError(
        400,
        `invalid request: period ${target.period} is not one of the last 31 days (today is ${today})`,
      );
  }

  /** Opens a round for check-ins, unless one more round would pass the privacy budget. */
  private openRound(target: AnalyticsTargetBody | undefined): RoundRow {
    if (target) return this.openAnalyticsRound(target);
    const privacy = this.privacy();
    if (privacy.projectedEpsilon > this.config.epsilonBudget) {
      throw new ProtocolError(
        403,
        `privacy budget spent: epsilon ${privacy.epsilon.toFixed(3)} of ${this.config.epsilonBudget} at ` +
          `delta ${privacy.delta.toExponential(2)}; another round would reach ${privacy.projectedEpsilon.toFixed(3)}, so no more rounds run`,
      );
    }
    const id = randomUUID();
    const modelVersion = this.store.latestModel()!.version;
    this.store.insertRound({
      id,
      model_version: modelVersion,
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
      kind: 'model',
      experiment: null,
      period: null,
      arms: null,
      currency: null,
    });
    this.log('round_opened', { round: id, modelVersion });
    return this.store.round(id)!;
  }

  /** Opens an analytics round for one experiment's period, unless it would pass the experiment's budget. */
  private openAnalyticsRound(target: AnalyticsTargetBody): RoundRow {
    const epsilon = this.analyticsEpsilonWith(target);
    if (epsilon > this.config.analyticsBudget)
      throw new ProtocolError(
        403,
        `privacy budget spent: experiment ${target.experiment}'s periods would reach epsilon ${epsilon.toFixed(3)}, ` +
          `past its budget of ${this.config.analyticsBudget}`,
      );
    const id = randomUUID();
    this.store.insertRound({
      id,
      model_version: this.store.latestModel()!.version,
      phase: 'checkin',
      threshold: 0,
      vector_length: layoutLength(target),
      min_clients: this.config.minClients,
      max_clients: this.config.analyticsMaxClients,
      clip: 0,
      noise_multiplier: 0,
      range: 0,
      scale: 1,
      phase_started_at: this.now(),
      created_at: this.now(),
      kind: 'analytics',
      experiment: target.experiment,
      period: target.period,
      arms: JSON.stringify(target.arms),
      currency: target.currency ?? null,
    });
    this.log('round_opened', { round: id, kind: 'analytics', experiment: target.experiment, period: target.period });
    return this.store.round(id)!;
  }

  /**
   * A checked-in client's seat once the cohort is drawn: its index, or a 403 `not_selected`
   * when it was not drawn (it may check in to the next round).
   */
  seat(roundId: string, token: string): CohortSeat {
    const r = this.store.round(roundId);
    if (!r) throw new ProtocolError(404, `no round ${roundId}`);
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
}
