import { counterVector } from '../../protocol/analytics/counter-vector.js';
import type { ExperimentReport } from '../../protocol/responses.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { createApp } from '../../server/http/create-app.js';
import { RoundService } from '../../server/rounds/round-service.js';
import { DEFAULT_CONFIG } from '../../server/rounds/server-config.js';
import { RoundStore } from '../../server/store/round-store.js';
import { RoundHttpError } from '../../worker/federated/round-http.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { SecAggRefusal } from '../../protocol/secagg/secagg-refusal.js';
import { limitFetch } from '../federated/fetch-limiter.js';
import { conversionGivenHit, cryptoUniform, replayShopper, type ReplayModel } from './replay-shopper.js';

export const ARMS = ['control', 'personal'];

/** Knobs of the experiment simulation. */
export interface ExperimentSimOptions {
  /** Devices reporting in one run (one reporting period), both arms together. */
  devices: number;
  runs: number;
  /** Largest cohort of one analytics round; a run takes as many equal rounds as it needs. */
  maxCohort: number;
  epsilon: number;
  /** Devices that could report (delta = 1 / population). */
  population: number;
  replay: ReplayModel;
  /** SecAgg+ unmasking threshold as a share of the cohort. */
  thresholdFraction: number;
}

/** One run: the population's true lift, the run's noiseless lift, and what the server published. */
export interface ExperimentRun {
  truth: number;
  /** The lift of this run's devices' exact counts (no DP noise): what sampling alone gives. */
  exact: number;
  published: { lift: number; low: number; high: number } | null;
  covered: boolean;
  devices: { control: number; personal: number };
  converted: { control: number; personal: number };
  publishedConverted: { control: number; personal: number };
  noiseSdConverted: number;
  epsilon: number;
  rounds: number;
  /** Devices too late for a phase on this machine, left out of the sum as dropouts. */
  dropped: number;
  wallSeconds: number;
  /** Process CPU (server and every client, one process) per device, and the server's unmasking time per round. */
  cpuMsPerDevice: number;
  unmaskSeconds: number[];
}

/** The population's true conversion lift of `personal` over `control` under the replay model. */
export function trueLift(hits: { control: Uint8Array; personal: Uint8Array }): number {
  const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
  // Conversion is hit x click x cart x buy: the constant cancels in the ratio.
  return sum(hits.personal) / sum(hits.control) - 1;
}

/** `k` distinct indices below `n`, uniformly, from the CSPRNG (partial Fisher-Yates). */
function sample(n: number, k: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(cryptoUniform() * (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

/**
 * One reporting period: `devices` simulated shoppers drawn from the population, each assigned
 * an arm at random, replayed on its arm's list, and reporting its counters through a real
 * federation server (HTTP on loopback) and the full SecAgg+ protocol with the discrete noise.
 */
export async function runExperimentPeriod(
  hits: { control: Uint8Array; personal: Uint8Array },
  options: ExperimentSimOptions,
): Promise<ExperimentRun> {
  const rounds = Math.ceil(options.devices / options.maxCohort);
  const cohort = Math.floor(options.devices / rounds);
  const config = {
    ...DEFAULT_CONFIG,
    dataDir: ':memory:',
    minClients: cohort,
    maxClients: cohort,
    analyticsMaxClients: cohort,
    cohortPool: 1,
    openAdmission: true,
    checkinsPerMinute: 0,
    statusPerMinute: 0,
    // In-process clients take turns on one event loop: a phase of thousands needs ~250 ms each.
    phaseDeadlineMs: Math.max(600_000, cohort * 250),
    thresholdFraction: options.thresholdFraction,
    population: options.population,
    analyticsEpsilon: options.epsilon,
  };
  const unmaskStarted = new Map<string, number>();
  const unmaskSeconds: number[] = [];
  const store = await RoundStore.open({ dataDir: ':memory:' });
  const service = await RoundService.create(store, config, Date.now, (event, fields) => {
    if (event === 'round_phase' && fields.phase === 'unmask')
      unmaskStarted.set(String(fields.round), performance.now());
    if (event === 'round_done')
      unmaskSeconds.push((performance.now() - unmaskStarted.get(String(fields.round))!) / 1000);
  });
  const app = createApp(service, store, { requestTimeoutMs: 3_600_000, connectionTimeoutMs: 0 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const timer = setInterval(() => void service.tick(), 1_000);
  const restoreFetch = limitFetch(512, 256);
  const period = Math.floor(Date.now() / 86_400_000) - 1;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const devices = { control: 0, personal: 0 };
  const converted = { control: 0, personal: 0 };
  let dropped = 0;
  try {
    const users = sample(hits.control.length, rounds * cohort);
    const outcomes = await Promise.all(
      users.map(async (u) => {
        const arm = cryptoUniform() < 0.5 ? 'control' : 'personal';
        const counts = replayShopper(hits[arm as 'control' | 'personal'][u] === 1, options.replay);
        devices[arm as 'control' | 'personal'] += 1;
        converted[arm as 'control' | 'personal'] += counts.purchases > 0 ? 1 : 0;
        return runRound({
          server: url,
          clientId: crypto.randomUUID(),
          identity: await createIdentity(),
          analytics: { experiment: 'lift', period, arms: ARMS, vector: counterVector({ arms: ARMS }, arm, counts) },
          pollMs: Math.max(20, 4 * cohort),
          timeoutMs: 5 * config.phaseDeadlineMs,
          requestTimeoutMs: config.phaseDeadlineMs,
        }).catch((error: unknown) => {
          // Too late for a phase (the process stalled past its deadline): a dropout, which the
          // protocol tolerates, as a closed tab; its counters are not in the sum.
          if ((error instanceof RoundHttpError && error.status === 409) || error instanceof SecAggRefusal) {
            dropped += 1;
            return { phase: 'done' as const, abortReason: null };
          }
          throw error;
        });
      }),
    );
    const failed = outcomes.filter((o) => o.phase !== 'done');
    if (failed.length) throw new Error(`${failed.length} devices' rounds did not finish: ${failed[0]!.abortReason}`);
    const report = (await (await fetch(`${url}/v1/experiments/lift`)).json()) as ExperimentReport;
    const used = process.cpuUsage(cpu);
    const truth = trueLift(hits);
    const exact = converted.personal / devices.personal / (converted.control / devices.control) - 1;
    const published = report.lifts.personal ?? null;
    return {
      truth,
      exact,
      published,
      covered: !!published && published.low <= truth && truth <= published.high,
      devices,
      converted,
      publishedConverted: {
        control: report.totals.control!.totals.converted,
        personal: report.totals.personal!.totals.converted,
      },
      noiseSdConverted: report.noiseSd.converted!,
      epsilon: report.privacy.epsilonPerPeriod,
      rounds,
      dropped,
      wallSeconds: (performance.now() - start) / 1000,
      cpuMsPerDevice: (used.user + used.system) / 1000 / users.length,
      unmaskSeconds,
    };
  } finally {
    restoreFetch();
    clearInterval(timer);
    await app.close();
    await service.stop();
    await store.close();
  }
}

/** The replay's conversion rates per arm over the whole population (for the report). */
export function populationConversion(hits: { control: Uint8Array; personal: Uint8Array }, replay: ReplayModel) {
  const rate = (a: Uint8Array) => (a.reduce((s, v) => s + v, 0) / a.length) * conversionGivenHit(replay);
  return { control: rate(hits.control), personal: rate(hits.personal) };
}
