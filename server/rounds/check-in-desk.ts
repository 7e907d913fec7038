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
import type { SubmissionStore } from '../store/submission-store.js';
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

/** The lock that lets one check-in at a time, in any server process, find or open the round of its target. */
const targetLock = (target: AnalyticsTargetBody | undefined) =>
  target
    ? `checkin:${target.experiment}:${target.period}:${JSON.stringify(target.arms)}:${target.currency ?? ''}`
    : 'checkin:model';

/**
 * The way into a round: admission, candidates and the drawn cohort. A check-in opens a round
 * when none is open (unless the privacy budget is spent), is admitted by ticket or openly, and
 * waits as a candidate until check-in closes and the cohort is drawn (RoundStore.drawCohort).
 */
export class CheckInDesk {
  private readonly admission: Admission;

  constructor(
    private readonly store: RoundStore,
    private readonly rows: SubmissionStore,
    private readonly config: ServerConfig,
    private readonly now: () => number,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
    private readonly privacy: () => Promise<PrivacySpent>,
    /** Moves the round on (a full pool closes check-in); called once the check-in commits. */
    private readonly advance: (roundId: string) => Promise<void>,
    private readonly analytics: AnalyticsStore,
    /** What an experiment's periods would spend with one more (see experimentPrivacy). */
    private readonly analyticsEpsilonWith: (target: AnalyticsTargetBody) => Promise<number>,
  ) {
    this.admission = new Admission(config, new AdmissionStore(store.db));
  }

  /** Forgets spent tickets past their expiry. */
  prune(now: number): Promise<void> {
    return this.admission.prune(now);
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
    const reply = await this.store.tx(async () => {
      await this.store.db.lockKey(targetLock(target));
      if (target && (await this.analytics.contributed(target.experiment, target.period, body.clientId)))
        throw new ProtocolError(
          409,
          `this client already reported experiment ${target.experiment}'s period ${target.period}`,
          'already_reported',
        );
      const open = (await this.store.openRounds()).find((r) => r.phase === 'checkin' && sameTarget(r, target));
      // Locked, then read again: another process may have closed its check-in meanwhile.
      const locked = open && (await this.store.lockRound(open.id, 'update'));
      const round = locked?.phase === 'checkin' ? locked : await this.openRound(target);
      if (await this.rows.isCandidate(round.id, body.clientId))
        throw new ProtocolError(409, 'this client already checked in to the open round; resume with its stored token');
      await this.admission.admit(body.clientId, identityKey, claims, this.now());
      const token = newToken();
      await this.rows.insertCandidate(round.id, body.clientId, hashToken(token), identityKey);
      return { round: round.id, token };
    });
    await this.advance(reply.round);
    return reply;
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
  private async openRound(target: AnalyticsTargetBody | undefined): Promise<RoundRow> {
    if (target) return this.openAnalyticsRound(target);
    const privacy = await this.privacy();
    if (privacy.projectedEpsilon > this.config.epsilonBudget) {
      throw new ProtocolError(
        403,
        `privacy budget spent: epsilon ${privacy.epsilon.toFixed(3)} of ${this.config.epsilonBudget} at ` +
          `delta ${privacy.delta.toExponential(2)}; another round would reach ${privacy.projectedEpsilon.toFixed(3)}, so no more rounds run`,
      );
    }
    const id = randomUUID();
    const modelVersion = (await this.store.latestModel())!.version;
    await this.store.insertRound({
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
    return (await this.store.lockRound(id, 'update'))!;
  }

  /** Opens an analytics round for one experiment's period, unless it would pass the experiment's budget. */
  private async openAnalyticsRound(target: AnalyticsTargetBody): Promise<RoundRow> {
    const epsilon = await this.analyticsEpsilonWith(target);
    if (epsilon > this.config.analyticsBudget)
      throw new ProtocolError(
        403,
        `privacy budget spent: experiment ${target.experiment}'s periods would reach epsilon ${epsilon.toFixed(3)}, ` +
          `past its budget of ${this.config.analyticsBudget}`,
      );
    const id = randomUUID();
    await this.store.insertRound({
      id,
      model_version: (await this.store.latestModel())!.version,
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
    return (await this.store.lockRound(id, 'update'))!;
  }

  /**
   * A checked-in client's seat once the cohort is drawn: its index, or a 403 `not_selected`
   * when it was not drawn (it may check in to the next round).
   */
  async seat(roundId: string, token: string): Promise<CohortSeat> {
    const r = await this.store.round(roundId);
    if (!r) throw new ProtocolError(404, `no round ${roundId}`);
    if (r.phase === 'checkin') throw new ProtocolError(409, 'the cohort is drawn when check-in closes');
    const hash = hashToken(token);
    const index = await this.rows.seat(roundId, hash);
    if (index !== undefined) return { index };
    if (await this.rows.isCandidateToken(roundId, hash))
      throw new ProtocolError(403, `not drawn into round ${roundId}'s cohort`, 'not_selected');
    throw new ProtocolError(403, `this token is not a candidate of round ${roundId}`);
  }
}
