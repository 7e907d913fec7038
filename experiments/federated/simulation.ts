import { createApp } from '../../server/http/create-app.js';
import { RoundService } from '../../server/rounds/round-service.js';
import { DEFAULT_CONFIG } from '../../server/rounds/server-config.js';
import { RoundStore } from '../../server/store/round-store.js';
import { RoundHttpError } from '../../worker/federated/round-http.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { SecAggRefusal } from '../../protocol/secagg/secagg-refusal.js';
import type { ClientWeighting } from '../../protocol/privacy/privatize-update.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { mulberry32 } from '../../models/data/rng.js';
import { limitFetch } from './fetch-limiter.js';
import { RunCheckpoint } from './run-checkpoint.js';
import { Slots } from './slots.js';
import { PhaseDriver } from './phase-driver.js';
import type { EvalCase } from '../../models/data/leave-one-out.js';
import { evaluate } from '../../models/eval/evaluate.js';
import type { Metrics } from '../../models/eval/metrics.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';
import type { SasrecEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { nextItemTargetCount } from '../../models/train/batches.js';
import { assignPart, federatedPart, flattenPart } from '../../models/train/local-finetune.js';
import { clientDelta } from './client-delta.js';
import { sampleRound } from './sample-round.js';

// In-process clients train one after another (~0.1-0.15 s each here), so the masking phase of a
// cohort of thousands needs that many times the cohort; at 100 ms a client a third of an 11,182
// cohort missed it, and SecAgg+ neighbourhoods that lose a third fall below their threshold.
const SERIAL_MS_PER_CLIENT = 250;

/** Knobs of one federated run. */
export interface FederatedRunOptions {
  clientsPerRound: number;
  rounds: number;
  noiseMultiplier: number;
  clip: number;
  localSteps: number;
  localLearningRate: number;
  localOptimizer: 'adam' | 'sgd';
  /** Item-table rows federated with the encoder. */
  federatedRows: readonly number[];
  /** Only these positions of the federated vector are sent (see dpCoordinatesFor); default all. */
  coordinates?: readonly number[];
  serverOptimizer: 'fedavg' | 'fedadam';
  serverLearningRate: number;
  /** FedAdam's tau (default the server's, 1e-7). */
  serverAdamTau?: number;
  /** SecAgg+ graph degree (0 = the server's default). It changes the cost of a round, never its exact sum. */
  neighbors?: number;
  /** The server's unmasking threshold as a share of the cohort (default 2/3); clients' noise shares are sized for it. */
  thresholdFraction?: number;
  seed: number;
  /** The server's client weighting (ServerConfig.weightExamples / weightCap); default all alike. */
  weighting?: ClientWeighting;
  /** Evaluate after every this many rounds (and after the last); default 1. */
  evalEvery?: number;
  /** Also scored at every evaluation, to pick a round as the ceiling picks its epoch. */
  validationCases?: readonly EvalCase[];
  onRound?: (
    round: number,
    metrics: Metrics | undefined,
    seconds: { round: number; training: number; evaluation: number },
  ) => void;
  /** The server's round events (phase changes, aborts), e.g. to follow a round of thousands. */
  onServerEvent?: (event: string, fields: Record<string, unknown>) => void;
  /**
   * Directory that makes the run resumable (see RunCheckpoint): the server keeps its store there,
   * and a run started again with the same settings continues after the last finished round.
   */
  checkpoint?: string;
  /** With a checkpoint: stop once this round is done (to resume later), as if the run were killed there. */
  pauseAfter?: number;
  /**
   * Participation as browsers show up: each round takes every user independently with
   * probability `rate` (Poisson sampling, as the accountant assumes), at most `maxCohort` of
   * them (`clientsPerRound` is then ignored), and a `dropout` share of those sampled leaves
   * before reporting, at a random phase (after advertising, sharing keys or uploading).
   */
  participation?: { rate: number; maxCohort: number; dropout: number };
}

/** What one round cost: its clients, the wall time and the clients' training, and (through the real server) the bytes. */
export interface RoundCost {
  round: number;
  cohort: number;
  /** Clients that trained and uploaded (the cohort less those leaving before their upload). */
  trained: number;
  /** The round ended without a sum (too few clients, or a SecAgg+ neighbourhood short of shares). */
  aborted?: boolean;
  seconds: number;
  trainingSeconds: number;
  /**
   * Bytes per cohort client, request and response bodies over the round; each client is counted
   * one download of the model, which the in-process clients share. Absent for exact aggregation.
   */
  upBytesPerClient?: number;
  downBytesPerClient?: number;
}

/**
 * What identifies a federated run for its checkpoint: its settings less the callbacks and the
 * round count (a run may be resumed to go further), the row, coordinate and evaluation counts, and
 * the starting model's sum (the pretrained model it started from).
 */
export function runSettings(
  options: FederatedRunOptions,
  initial: Float32Array,
  evalCases: readonly EvalCase[],
): Record<string, unknown> {
  const {
    rounds: _,
    onRound: __,
    onServerEvent: ___,
    validationCases,
    checkpoint: ____,
    pauseAfter: _____,
    federatedRows,
    coordinates,
    ...settings
  } = options;
  return {
    ...settings,
    federatedRows: federatedRows.length,
    coordinates: coordinates?.length,
    initialSum: initial.reduce((s, v) => s + v, 0),
    validation: validationCases?.length ?? 0,
    evaluation: evalCases.length,
  };
}

/**
 * Federated fine-tuning of the encoder through the real federation server (Fastify on
 * loopback) and the real secure-aggregation client code: each round samples a cohort, every
 * simulated client fine-tunes the round's global encoder on its own history only, and the
 * runner clips, noises, quantizes and masks the delta. In-process clients share one tfjs model,
 * so their local training is serialized; the protocol messages still interleave.
 */
export async function runFederated(
  encoder: SasrecEncoder,
  users: readonly number[][],
  evalCases: readonly EvalCase[],
  options: FederatedRunOptions,
): Promise<{ test: Metrics[]; validation: Metrics[]; finished: boolean; costs: RoundCost[] }> {
  const part = federatedPart(encoder, options.federatedRows, options.coordinates);
  const initial = flattenPart(part);
  const poisson = options.participation;
  const largest = poisson ? poisson.maxCohort : options.clientsPerRound;
  const config = {
    ...DEFAULT_CONFIG,
    dataDir: ':memory:',
    minClients: poisson ? 3 : options.clientsPerRound,
    maxClients: largest,
    vectorLength: initial.length,
    clip: options.clip,
    noiseMultiplier: options.noiseMultiplier,
    population: users.length,
    phaseDeadlineMs: Math.max(600_000, largest * SERIAL_MS_PER_CLIENT),
    optimizer: options.serverOptimizer,
    serverLearningRate: options.serverLearningRate,
    serverAdamTau: options.serverAdamTau ?? DEFAULT_CONFIG.serverAdamTau,
    neighbors: options.neighbors ?? DEFAULT_CONFIG.neighbors,
    thresholdFraction: options.thresholdFraction ?? DEFAULT_CONFIG.thresholdFraction,
    weightExamples: options.weighting?.examples ?? 0,
    weightCap: options.weighting?.cap ?? 1,
    // Simulated clients are the users themselves, all checked in at once from one process: no
    // tickets, no per-IP limits, and the cohort is everyone who checked in.
    openAdmission: true,
    cohortPool: 1,
    checkinsPerMinute: 0,
    statusPerMinute: 0,
  };
  const { validationCases, checkpoint: dir, pauseAfter } = options;
  const checkpoint = dir === undefined ? undefined : new RunCheckpoint(dir, runSettings(options, initial, evalCases));
  if (pauseAfter !== undefined && !checkpoint) throw new Error('pausing a run needs a checkpoint to resume it from');
  const store = (await checkpoint?.openStore()) ?? (await RoundStore.open({ dataDir: ':memory:' }));
  const resumedAfter = (await store.finishedRounds()).length;
  // Sampled cohorts vary in size and lose clients on the way: the driver ends their phases on time.
  const driver = new PhaseDriver(config.phaseDeadlineMs);
  const service = await RoundService.create(
    store,
    config,
    driver.now,
    options.onServerEvent ?? (() => undefined),
    initial,
  );
  const app = createApp(service, store, { requestTimeoutMs: 3_600_000, connectionTimeoutMs: 0 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  // Thousands of in-process clients share one event loop with the server: a request can wait
  // minutes to be read, which Node's default header and request timeouts (60 s, 300 s) refuse
  // with 408, and each open request holds two descriptors, so cap those in flight. Held status
  // requests get slots of their own (every client of a round can be waiting on one, and
  // submissions must get by), but few: with 4,096 of them the connections opened at once
  // overflowed the listen backlog (511) while training held the event loop, and connects timed
  // out (a full-participation run failed so). 256 held for ~20 s each still answer a phase
  // change at once and ask ~13 times a second in all.
  const traffic = { up: 0, down: 0 };
  const restoreFetch = limitFetch(512, 256, traffic);
  const costs: RoundCost[] = [];
  // Back-pressure: a client trains only while fewer than this many trained clients have yet to
  // upload, or thousands of ~400 KB masked uploads queue in this one process (the JS heap ran
  // out at 11,182 a round); it costs nothing in time, as training and uploads share one thread.
  const uploads = new Slots(256);
  const rand = mulberry32(checkpoint ? checkpoint.rngAfter(resumedAfter, options.seed) : options.seed);
  // Every client of a round starts from the same version: download it once.
  const versions = new Map<number, Promise<Float32Array>>();
  const download = (version: number) => {
    let params = versions.get(version);
    if (!params) {
      params = fetch(`${url}/v1/models/${version}`).then(async (r) => new Float32Array(await r.arrayBuffer()));
      versions.set(version, params);
    }
    return params;
  };
  let training = Promise.resolve();
  let assigned = -1;
  // The global model after the last finished round, into the shared encoder.
  const adoptLatest = async () => {
    const { version } = (await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number };
    assignPart(part, await download(version));
    assigned = version;
    return version;
  };
  const perRound: Metrics[] = [];
  const validation: Metrics[] = [];
  const isDue = (round: number) => round % (options.evalEvery ?? 1) === 0 || round === options.rounds;
  // Scores the global model after `round` and keeps them in the checkpoint.
  const score = async (round: number, rng: number) => {
    const scores = {
      test: (await evaluate(sasrecScorer(encoder), evalCases)).metrics,
      validation: validationCases && (await evaluate(sasrecScorer(encoder), validationCases)).metrics,
    };
    checkpoint?.save(round, rng, scores);
    return scores;
  };
  try {
    if (resumedAfter > 0)
      console.error(
        `resuming from ${checkpoint!.dir} after round ${resumedAfter} (model version ${await adoptLatest()})`,
      );
    for (const { round, test, validation: valid } of (await checkpoint?.restoreScores(resumedAfter, isDue, () =>
      score(resumedAfter, rand.state),
    )) ?? []) {
      perRound.push(test);
      if (valid) validation.push(valid);
      options.onRound?.(round, test, { round: 0, training: 0, evaluation: 0 });
    }
    for (let round = resumedAfter + 1; round <= options.rounds; round++) {
      const roundStart = performance.now();
      let trainSeconds = 0;
      let trained = 0;
      [traffic.up, traffic.down] = [0, 0];
      const refusals = new Map<string, number>();
      const { cohort, dropAt, drops, clientRand } = sampleRound(rand, users.length, options);
      if (cohort.length < config.minClients)
        throw new Error(`round ${round}: only ${cohort.length} clients sampled; raise the participation rate`);
      let over = false;
      const driving = poisson ? driver.drive(store, service, cohort.length, drops, () => over) : Promise.resolve();
      const outcomes = await Promise.all(
        cohort.map(async (u) => {
          let holding = false;
          const done = () => {
            if (holding) uploads.release();
            holding = false;
          };
          const dropAfter = dropAt.get(u);
          return runRound({
            server: url,
            clientId: crypto.randomUUID(),
            identity: await createIdentity(),
            ...(dropAfter && { dropAfter }),
            examples: nextItemTargetCount(users[u]!, encoder.cfg.maxLen),
            // Status requests are held until the phase moves; a client whose hold ran out (or that
            // waited for a held-request slot past it) asks again at once. Polling apart from that
            // stays near 250 a second in all: at one a millisecond, answering polls took most of
            // the process while 11,182 clients waited on unmasking (profiled).
            pollMs: Math.max(20, 4 * options.clientsPerRound),
            // A round has five phases, each given up to the server's phase deadline.
            timeoutMs: 5 * config.phaseDeadlineMs,
            requestTimeoutMs: config.phaseDeadlineMs,
            // The runner saves its session after each step: past 'masked' the upload is in.
            persist: async (session) => {
              if (session?.step === 'masked' || session === undefined) done();
            },
            update: async (info) => {
              await uploads.acquire();
              holding = true;
              const job = training.then(async () => {
                const trainStart = performance.now();
                try {
                  // A gradient leaves the model as it found it: assign each version once.
                  if (assigned !== info.modelVersion) assignPart(part, await download(info.modelVersion));
                  assigned = info.modelVersion;
                  const { delta, moved } = await clientDelta(encoder, users[u]!, options, clientRand(u));
                  if (moved) assigned = -1;
                  return delta;
                } finally {
                  trainSeconds += (performance.now() - trainStart) / 1000;
                  trained += 1;
                }
              });
              // Serialized, and one client's failure must not block the others' turns.
              training = job.then(
                () => undefined,
                () => undefined,
              );
              return job;
            },
          })
            .catch((error: unknown) => {
              // A client too late for a phase (the machine stalled past the phase deadline) is
              // refused with 409 and drops out, as a closed tab would; the protocol completes the
              // round with the others. Anything else is a bug and ends the run.
              // A client whose neighbourhood lost too many peers refuses to unmask: a dropout too.
              if ((error instanceof RoundHttpError && error.status === 409) || error instanceof SecAggRefusal) {
                const reason = `${error.constructor.name}: ${error.message.replace(/\d+/g, '#')}`;
                refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
                return { phase: 'dropped' as const };
              }
              throw error;
            })
            .then((outcome) => (dropAfter ? { ...outcome, phase: 'dropped' as const } : outcome))
            .finally(done);
        }),
      );
      over = true;
      await driving;
      const dropped = outcomes.filter((o) => o.phase === 'dropped').length;
      if (outcomes.some((o) => o.phase !== 'done' && o.phase !== 'dropped') || dropped === outcomes.length)
        throw new Error(`round ${round} did not complete: ${outcomes.map((o) => o.phase).join(',')}`);
      if (dropped > 0)
        console.error(
          `round ${round}: ${dropped} of ${outcomes.length} clients dropped out (${dropAt.size} left as sampled to): ` +
            [...refusals].map(([reason, n]) => `${n} × ${reason}`).join('; '),
        );
      const [up, down] = [traffic.up, traffic.down];
      await adoptLatest();
      const rng = rand.state;
      checkpoint?.save(round, rng);
      const roundSeconds = (performance.now() - roundStart) / 1000;
      costs.push({
        round,
        cohort: cohort.length,
        trained,
        seconds: roundSeconds,
        trainingSeconds: trainSeconds,
        upBytesPerClient: up / cohort.length,
        downBytesPerClient: down / cohort.length + initial.length * 4,
      });
      const evalStart = performance.now();
      const scores = isDue(round) ? await score(round, rng) : undefined;
      if (scores) perRound.push(scores.test);
      if (scores?.validation) validation.push(scores.validation);
      options.onRound?.(round, scores?.test, {
        round: roundSeconds,
        training: trainSeconds,
        evaluation: (performance.now() - evalStart) / 1000,
      });
      if (round === pauseAfter && round < options.rounds) return { test: perRound, validation, finished: false, costs };
    }
  } finally {
    restoreFetch();
    await app.close();
    await service.stop();
    await store.close();
  }
  return { test: perRound, validation, finished: true, costs };
}
