import type {
  AdvertiseBody,
  AnalyticsTargetBody,
  CheckInBody,
  ConsistencyBody,
  MaskedInputBody,
  Phase,
  ShareKeysBody,
  UnmaskBody,
} from '../../protocol/messages.js';
import type { ClientWeighting } from '../../protocol/privacy/privatize-update.js';
import type { CheckInReply, CohortSeat, ExperimentReport, RoundInfo } from '../../protocol/responses.js';
import { type PrivacySpent, privacySpent } from '../privacy/privacy-spent.js';
import { AnalyticsStore } from '../store/analytics-store.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import {
  analyticsDelta,
  analyticsLocalVariance,
  asRelease,
  experimentEpsilon,
  releaseOf,
} from '../analytics/experiment-privacy.js';
import { experimentReport } from '../analytics/experiment-report.js';
import { publishRelease } from '../analytics/publish-release.js';
import { CheckInDesk } from './check-in-desk.js';
import { finalizeRound } from './finalize-round.js';
import { nextPhase, phaseExpired } from './next-phase.js';
import { PhaseWatch } from './phase-watch.js';
import { RoundCohorts } from './round-cohorts.js';
import { type AdvertisementRow, requireRound, RoundSubmissions, type SurvivorsRows } from './round-submissions.js';
import type { ServerConfig } from './server-config.js';

/**
 * The round lifecycle: check-in, cohort selection, key advertisement, key sharing, masked
 * inputs, unmasking, aggregation, next model version. All state lives in the store; this class
 * only decides, so a restarted server picks up every open round where it was.
 */
export class RoundService {
  private finalizing = new Set<string>();
  private readonly cohorts: RoundCohorts;
  private readonly watch: PhaseWatch;
  private readonly desk: CheckInDesk;
  private readonly submissions: RoundSubmissions;
  private readonly analytics: AnalyticsStore;

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
    this.analytics = new AnalyticsStore(store.db);
    store.onPhaseChange((roundId) => {
      // An aborted analytics round revealed nothing: its cohort may report the period again.
      if (store.round(roundId)?.phase === 'aborted') this.analytics.releaseCohort(roundId);
      this.watch.changed(roundId);
    });
    this.cohorts = new RoundCohorts(store);
    this.submissions = new RoundSubmissions(store, this.cohorts, (r) => this.advanceSync(r));
    this.desk = new CheckInDesk(
      store,
      config,
      now,
      log,
      () => this.privacy(),
      (r) => this.advanceSync(r),
      this.analytics,
      (target) => this.epsilonWith(target),
    );
  }

  /** An experiment's published totals, rates, lifts and privacy spent (`GET /v1/experiments/:id`). */
  experiment(id: string): ExperimentReport {
    return experimentReport(id, this.analytics.releases(id), analyticsDelta(this.config), this.config);
  }

  /** What the experiment's periods spend with one more round of the target's period at this server's settings. */
  private epsilonWith(target: AnalyticsTargetBody): number {
    const released = this.analytics.releases(target.experiment).map(asRelease);
    const threshold = Math.max(2, Math.ceil(this.config.thresholdFraction * this.config.minClients));
    const next = releaseOf(target, {
      period: target.period,
      threshold,
      local_variance: analyticsLocalVariance(this.config, threshold, target),
    });
    return experimentEpsilon([...released, next], analyticsDelta(this.config));
  }

  /** A device checks in to the open round as a candidate (see CheckInDesk.checkIn). */
  checkIn(body: CheckInBody): Promise<CheckInReply> {
    return this.desk.checkIn(body);
  }

  /** A checked-in client's index once the cohort is drawn (see CheckInDesk.seat). */
  seat(roundId: string, token: string): CohortSeat {
    return this.desk.seat(roundId, token);
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
      kind: r.kind,
      ...(r.kind === 'analytics' && {
        analytics: {
          experiment: r.experiment!,
          period: r.period!,
          arms: JSON.parse(r.arms!) as string[],
          ...(r.currency && { currency: r.currency }),
          localVariance: r.local_variance,
        },
      }),
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

  /** A client's signed key advertisement (see RoundSubmissions.advertise). */
  advertise(roundId: string, body: AdvertiseBody): Promise<void> {
    return this.submissions.advertise(roundId, body);
  }

  /** The cohort's (or a neighbourhood's) signed advertisements. */
  advertisements(roundId: string, forIndex?: number): AdvertisementRow[] {
    return this.submissions.advertisements(roundId, forIndex);
  }

  shareKeys(roundId: string, body: ShareKeysBody): void {
    this.submissions.shareKeys(roundId, body);
  }

  /** The sealed share bundles addressed to one client, once masking started. */
  sharesFor(
    roundId: string,
    index: number,
    token: string,
  ): { sharedKeys: number[]; bundles: { from: number; sealed: Buffer }[] } {
    return this.submissions.sharesFor(roundId, index, token);
  }

  maskedInput(roundId: string, body: MaskedInputBody): void {
    this.submissions.maskedInput(roundId, body);
  }

  /** Survivors, key sharers and (from unmasking on) their consistency signatures. */
  survivors(roundId: string, forIndex?: number): SurvivorsRows {
    return this.submissions.survivors(roundId, forIndex);
  }

  consistency(roundId: string, body: ConsistencyBody): void {
    this.submissions.consistency(roundId, body);
  }

  /** Stores one unmasking response, then finalizes the round once enough are in. */
  async unmask(roundId: string, body: UnmaskBody): Promise<void> {
    this.submissions.unmask(roundId, body);
    await this.advance(roundId);
  }

  private requireRound(roundId: string): RoundRow {
    return requireRound(this.store, roundId);
  }

  /**
   * Applies deadlines to every open round; the server calls it on a timer and at start-up.
   * Never throws: a round that cannot advance is aborted alone (see advance).
   */
  async tick(): Promise<void> {
    for (const r of this.store.openRounds()) await this.advance(r.id);
    this.desk.prune(this.now());
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
          const params = this.cohorts.params(r);
          if (r.kind === 'analytics')
            await publishRelease(this.store, this.analytics, this.config, r, params, this.now, this.log);
          else await finalizeRound(this.store, this.config, r, params, this.now, this.log);
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
      if (r.phase === 'checkin' && next.phase === 'advertise') {
        this.store.drawCohort(r.id, next.fields.cohort!);
        // The drawn cohort has reported this period (parallel composition needs each device once).
        if (r.kind === 'analytics') this.analytics.recordCohort(r.id, r.experiment!, r.period!);
      }
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
