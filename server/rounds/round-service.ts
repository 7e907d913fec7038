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
import { randomUUID } from 'node:crypto';
import { AnalyticsStore } from '../store/analytics-store.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import { SubmissionStore } from '../store/submission-store.js';
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
import { ProtocolError } from './protocol-error.js';
import { type AdvertisementRow, requireRound, RoundSubmissions, type SurvivorsRows } from './round-submissions.js';
import type { ServerConfig } from './server-config.js';

/** How long a claim on a round's unmasking holds without renewal: a dead claimant's round waits this long. */
export const UNMASK_LEASE_MS = 15_000;
/** A server process that has not beaten for this long is taken for gone. */
const PROCESS_SILENCE_MS = 10_000;
/** How long a starting process watches for others' beats (they beat on every tick, 4 times a second). */
const BEAT_WATCH_MS = 1_500;

/**
 * The round lifecycle: check-in, cohort selection, key advertisement, key sharing, masked
 * inputs, unmasking, aggregation, next model version. All state lives in the store; this class
 * only decides, so a restarted server picks up every open round where it was, and any number
 * of processes on one PostgreSQL database serve the same rounds: what must happen once is
 * ordered by the round's row lock, and a finished round's unmasking is claimed by one process.
 */
export class RoundService {
  /** This process, as it claims unmasking work and beats in `server_processes`. */
  readonly processId = randomUUID();
  private readonly startedAt: number;
  /** This process's unmaskings in progress, by round. */
  private readonly unmasking = new Map<string, Promise<void>>();
  private readonly rows: SubmissionStore;
  private readonly cohorts: RoundCohorts;
  private readonly watch: PhaseWatch;
  private readonly desk: CheckInDesk;
  private readonly submissions: RoundSubmissions;
  private readonly analytics: AnalyticsStore;
  private unlisten?: () => Promise<void>;

  private constructor(
    private readonly store: RoundStore,
    readonly config: ServerConfig,
    private readonly now: () => number,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {
    this.startedAt = now();
    // A notice is lost only while the LISTEN connection is down: a held poll also re-reads every 5 s.
    this.watch = new PhaseWatch(config.maxHeldPolls, store.db.dialect === 'postgres' ? 5_000 : Infinity);
    const rows = new SubmissionStore(store.db);
    this.analytics = new AnalyticsStore(store.db);
    this.cohorts = new RoundCohorts(store);
    this.submissions = new RoundSubmissions(store, rows, this.cohorts, (id) => this.advance(id));
    this.desk = new CheckInDesk(
      store,
      rows,
      config,
      now,
      log,
      () => this.privacy(),
      (id) => this.advance(id),
      this.analytics,
      (target) => this.epsilonWith(target),
    );
    this.rows = rows;
  }

  /**
   * The service over `store`: stores model version 1 if there is none, and restarts the phase
   * clocks of open rounds when no other process is serving them (the time the server was down is
   * not the clients' delay; a process joining live ones must not move their deadlines).
   */
  static async create(
    store: RoundStore,
    config: ServerConfig,
    now: () => number = Date.now,
    log: (event: string, fields: Record<string, unknown>) => void = () => undefined,
    initialParams?: Float32Array,
  ): Promise<RoundService> {
    if (initialParams && initialParams.length !== config.vectorLength)
      throw new Error(`initial parameters have ${initialParams.length} values; vectorLength is ${config.vectorLength}`);
    const service = new RoundService(store, config, now, log);
    if (!(await store.latestModel()))
      await store.insertModel(1, initialParams ?? new Float32Array(config.vectorLength), null, null, now());
    if (!(await service.othersAlive())) {
      const resumed = await store.restartPhaseClocks(now());
      if (resumed > 0) log('rounds_resumed', { rounds: resumed });
    }
    await store.beat(service.processId, service.startedAt, now());
    service.unlisten = await store.onPhaseChange((roundId) => service.watch.changed(roundId));
    return service;
  }

  /**
   * Whether another server process is serving this database: one that beat recently and beats
   * again while this one watches (a process killed a moment ago left a recent row, but no new beat).
   */
  private async othersAlive(): Promise<boolean> {
    const since = this.now() - PROCESS_SILENCE_MS;
    const before = await this.store.otherProcesses(this.processId, since);
    if (before.length === 0) return false;
    await new Promise((resolve) => setTimeout(resolve, BEAT_WATCH_MS));
    const after = new Map((await this.store.otherProcesses(this.processId, since)).map((p) => [p.id, p.seen_at]));
    return before.some((p) => (after.get(p.id) ?? p.seen_at) > p.seen_at);
  }

  /** An experiment's published totals, rates, lifts and privacy spent (`GET /v1/experiments/:id`). */
  async experiment(id: string): Promise<ExperimentReport> {
    return experimentReport(id, await this.analytics.releases(id), analyticsDelta(this.config), this.config);
  }

  /** What the experiment's periods spend with one more round of the target's period at this server's settings. */
  private async epsilonWith(target: AnalyticsTargetBody): Promise<number> {
    const released = (await this.analytics.releases(target.experiment)).map(asRelease);
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
  seat(roundId: string, token: string): Promise<CohortSeat> {
    return this.desk.seat(roundId, token);
  }

  /** How clients weigh their updates this deployment (see ServerConfig.weightExamples). */
  weighting(): ClientWeighting {
    return { examples: this.config.weightExamples, cap: this.config.weightCap };
  }

  /** Public state of a round, for polling clients. */
  async roundInfo(roundId: string): Promise<RoundInfo> {
    const r = await requireRound(this.store, roundId);
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
      participants: await this.cohorts.size(r),
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
  async roundInfoWhile(roundId: string, phases: readonly Phase[], holdMs: number): Promise<RoundInfo> {
    await requireRound(this.store, roundId);
    return this.watch.hold(roundId, phases, holdMs, () => this.roundInfo(roundId));
  }

  /** Answers every held status request now; the HTTP app calls it as it closes. */
  releaseHolds(): void {
    this.watch.close();
  }

  /** Stops listening for phase changes and says this process has stopped (a clean shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.ticking?.catch(() => undefined);
    await Promise.all(this.unmasking.values());
    this.watch.close();
    await this.unlisten?.();
    await this.store.forgetProcess(this.processId);
  }

  /** Privacy spent so far by DP-FedAvg (see privacySpent). */
  async privacy(): Promise<PrivacySpent> {
    return privacySpent(await this.store.finishedRounds(), this.config);
  }

  /** A client's signed key advertisement (see RoundSubmissions.advertise). */
  advertise(roundId: string, body: AdvertiseBody): Promise<void> {
    return this.submissions.advertise(roundId, body);
  }

  /** The cohort's (or a neighbourhood's) signed advertisements. */
  advertisements(roundId: string, forIndex?: number): Promise<AdvertisementRow[]> {
    return this.submissions.advertisements(roundId, forIndex);
  }

  shareKeys(roundId: string, body: ShareKeysBody): Promise<void> {
    return this.submissions.shareKeys(roundId, body);
  }

  /** The sealed share bundles addressed to one client, once masking started. */
  sharesFor(
    roundId: string,
    index: number,
    token: string,
  ): Promise<{ sharedKeys: number[]; bundles: { from: number; sealed: Buffer }[] }> {
    return this.submissions.sharesFor(roundId, index, token);
  }

  maskedInput(roundId: string, body: MaskedInputBody): Promise<void> {
    return this.submissions.maskedInput(roundId, body);
  }

  /** Survivors, key sharers and (from unmasking on) their consistency signatures. */
  survivors(roundId: string, forIndex?: number): Promise<SurvivorsRows> {
    return this.submissions.survivors(roundId, forIndex);
  }

  consistency(roundId: string, body: ConsistencyBody): Promise<void> {
    return this.submissions.consistency(roundId, body);
  }

  /** Stores one unmasking response, then finalizes the round once enough are in. */
  unmask(roundId: string, body: UnmaskBody): Promise<void> {
    return this.submissions.unmask(roundId, body);
  }

  /**
   * Applies deadlines to every open round; the server calls it on a timer and at start-up.
   * Never throws: a round that cannot advance is aborted alone (see advance).
   */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // A timer's tick that finds the last one still running joins it instead of racing it.
    this.ticking ??= (async () => {
      try {
        await this.store.beat(this.processId, this.startedAt, this.now());
        for (const r of await this.store.openRounds()) await this.advance(r.id);
        await this.desk.prune(this.now());
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private ticking?: Promise<void>;
  private stopped = false;

  /**
   * Moves one round on. Any error doing so (a participant's poisoned share, a bug, a corrupt
   * row) aborts that round with the error as its logged reason instead of escaping: one round's
   * fault must not stop tick(), other rounds' deadlines or the server's start-up.
   */
  private async advance(roundId: string): Promise<void> {
    try {
      let r = await requireRound(this.store, roundId);
      // Looked at unlocked first: most calls find nothing to do, and the lock would queue behind submissions.
      if (await nextPhase(r, this.store, this.config, this.weighting(), this.now()))
        r = await this.store.tx(async () => {
          await this.advanceLocked(await requireRound(this.store, roundId, 'update'));
          return requireRound(this.store, roundId);
        });
      // Not awaited: the unmasking of a large cohort takes longer than the request that completed
      // it may take (its client would time out, retry and find the round done).
      if (r.phase === 'unmask' && (await this.unmaskReady(r))) this.unmaskInBackground(r);
    } catch (error) {
      await this.abortAfterError(roundId, error);
    }
  }

  /**
   * Unmasks a round and publishes its result, without holding up the caller, if this process
   * can claim the work: one process at a time holds it, renewing its lease while it computes; if
   * it dies, the lease runs out and another process's tick claims it and starts again from the
   * stored responses. The commit happens only while the round is still in `unmask`, so a result
   * is never published twice. Recorded before the claim's await, so the many requests that find
   * the round ready start it once; stop() waits for it.
   */
  private unmaskInBackground(r: RoundRow): void {
    if (this.unmasking.has(r.id)) return;
    const work = (async () => {
      if (await this.store.claimUnmask(r.id, this.processId, this.now(), UNMASK_LEASE_MS)) await this.unmaskClaimed(r);
    })()
      .catch((error: unknown) => this.abortAfterError(r.id, error))
      .finally(() => this.unmasking.delete(r.id));
    this.unmasking.set(r.id, work);
  }

  /** Unmasks a round this process holds the claim on, renewing the lease until it is done. */
  private async unmaskClaimed(r: RoundRow): Promise<void> {
    const renew = setInterval(
      () => void this.store.claimUnmask(r.id, this.processId, this.now(), UNMASK_LEASE_MS).catch(() => undefined),
      UNMASK_LEASE_MS / 3,
    );
    try {
      this.log('round_unmasking', { round: r.id, process: this.processId });
      if (this.config.unmaskPauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.config.unmaskPauseMs));
      const params = this.cohorts.params(r);
      if (r.kind === 'analytics')
        await publishRelease(this.store, this.rows, this.analytics, this.config, r, params, this.now, this.log);
      else await finalizeRound(this.store, this.rows, this.config, r, params, this.now, this.log);
    } finally {
      clearInterval(renew);
    }
  }

  /** Aborts a round that threw while advancing, unless it already ended; logs the error with its stack. */
  private async abortAfterError(roundId: string, error: unknown): Promise<void> {
    if (error instanceof ProtocolError && error.status === 404) return;
    const reason = `server error while advancing the round: ${error instanceof Error ? error.message : String(error)}`;
    this.log('round_failed', { round: roundId, error: String(error), stack: (error as Error | undefined)?.stack });
    try {
      if (await this.store.abortRound(roundId, this.now(), reason))
        this.log('round_aborted', { round: roundId, reason });
    } catch (storeError) {
      this.log('round_abort_failed', { round: roundId, error: String(storeError) });
    }
  }

  private async unmaskReady(r: RoundRow): Promise<boolean> {
    const responses = await this.store.count('unmask_responses', r.id);
    return (
      responses === (await this.store.count('consistency_signatures', r.id)) ||
      (phaseExpired(r, this.config, this.now()) && responses >= r.threshold)
    );
  }

  /** Moves a locked round forward while its phase is complete or its deadline passed. */
  private async advanceLocked(r: RoundRow): Promise<void> {
    for (;;) {
      const next = await nextPhase(r, this.store, this.config, this.weighting(), this.now());
      if (!next) return;
      if (r.phase === 'checkin' && next.phase === 'advertise') {
        await this.store.drawCohort(r.id, next.fields.cohort!);
        // The drawn cohort has reported this period (parallel composition needs each device once).
        if (r.kind === 'analytics') await this.analytics.recordCohort(r.id, r.experiment!, r.period!);
      }
      await this.store.setPhase(r.id, next.phase, this.now(), next.fields);
      this.log(next.phase === 'aborted' ? 'round_aborted' : 'round_phase', {
        round: r.id,
        phase: next.phase,
        ...next.fields,
      });
      r = (await this.store.round(r.id))!;
    }
  }
}
