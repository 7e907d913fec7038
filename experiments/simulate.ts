/**
 * npm run simulate -- --experiment [...]: the A/B-test simulation instead (see analytics/experiment-cli.ts).
 * npm run simulate -- --clients N --rounds R --epsilon E [--json f] [--plot f.svg] [--data file]
 *   [--only federated,federated_dp,centralized,personalization] (a subset, e.g. one process per core)
 * npm run simulate -- --merge a.json,b.json [--json f] [--plot f.svg] (joins such parts)
 * npm run simulate -- --pool s1.json,s2.json [--json f] (pools complete results of different seeds)
 * npm run simulate -- --fleet a.json,b.json,... [--json f] (seed model, ceiling, no DP and each ε over seeds)
 *   [--pretrain-epochs 30 --eval-users 0 (all) --eval-every 10 --local-steps 1 --local-lr 1 --local-optimizer sgd
 *    --clip 10 --server-optimizer fedadam --server-lr 0.0003 --server-tau 1e-7
 *    --neighbors 0 (SecAgg+ degree; 0 = automatic) --threshold 0.667 (unmasking threshold, share of the cohort)
 *    --centralized-epochs 6 --centralized-lr 0.0003,0.0001 (each tried, validation keeps one) --centralized-patience 4
 *    --plain-clip C (the no-DP run's clip; default --clip) --weighting uniform|examples --select valid|last (no-DP run)
 *    --dp-clients N --dp-rounds R --dp-server-lr 0.0003 --dp-coordinates 1 --dp-weight-examples 0 (the DP run's own
 *    cohort, rounds, server lr, bounded client weights, and share of the federated vector it sends, ranked on
 *    --dp-rank-users 1024 public users' gradients; default as without DP)
 *    --dp-server-optimizer fedavg|fedadam (default --server-optimizer)
 *    --dp-part all|rows (rows: only the item rows' block is sent; the encoder stays as pretrained)
 *    --dp-population P (accounts the DP run for a fleet of P shoppers sampled at the same rate, delta 1/P,
 *    and adds the noise on the mean its P / N times larger cohorts would carry: an extrapolation past N)
 *    --personalize-users 300 --personalize-steps 10 --personalize-lr 0.0005 --pretrained cache.json --seed 1
 *    --checkpoint dir (the federated runs save their state there after every round; run again to resume) --pause-after R (stop after round R)
 *    --public-share 0.5 (users whose data pretrains the seed model) --participation q (Poisson sampling of every
 *    federated user per round, in place of fixed cohorts) --max-cohort 1000 --dropout 0 (share of sampled clients
 *    leaving at a random phase) --aggregation secagg|exact (exact: SecAgg's sum computed directly, bit for bit the
 *    same model without noise, for long runs)]
 * Pretrains on half of the users (public data), federates the encoder and the most popular
 * items' rows over the other half with each simulated client holding only its own history,
 * through the real server and secure aggregation, and compares NDCG@10 / HR@10 on the federated
 * users' test items: pretrained only, federated without DP, federated with DP at epsilon
 * (delta = 1/N), centralized fine-tuning of the same parameters (early-stopped on validation),
 * and on-device personalization without any server (before/after, per user).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadInteractions } from '../models/data/interactions.js';
import { evalCases, leaveOneOut } from '../models/data/leave-one-out.js';
import { mulberry32, shuffleInPlace } from '../models/data/rng.js';
import { evaluate } from '../models/eval/evaluate.js';
import type { Metrics } from '../models/eval/metrics.js';
import { sasrecScorer } from '../models/eval/sasrec-scorer.js';
import { centralizedCeiling } from './federated/centralized-ceiling.js';
import { dpCoordinatesFor } from '../models/train/dp-coordinates.js';
import { rowsBlock } from '../models/train/dp-positions.js';
import { personalizationGain } from './federated/personalization-gain.js';
import { noiseForEpsilon } from './federated/noise-for-epsilon.js';
import { type FederatedRunOptions, runFederated } from './federated/simulation.js';
import { runExactRounds } from './federated/exact-rounds.js';
import { fleetSummary, fleetTable } from './federated/fleet-table.js';
import { poolSeeds, poolTable } from './federated/seed-pool.js';
import {
  mergeResults,
  resultPlot,
  resultTable,
  SETTINGS,
  type SimulationResult,
  summarizeCosts,
} from './federated/simulation-report.js';
import { federatedPart, federatedRowsFor } from '../models/train/local-finetune.js';
import { buildSasrec } from '../models/sasrec/build-sasrec.js';
import { DEFAULT_CONFIG, checkThresholdFraction } from '../server/rounds/server-config.js';
import { DEFAULT_SASREC } from '../models/sasrec/sasrec-config.js';
import { nextItemTargetCount } from '../models/train/batches.js';
import { ProgressBar } from '../models/train/progress-bar.js';
import { DEFAULT_TRAIN, trainSasrec } from '../models/train/train-sasrec.js';
import { dpFedAvgEpsilon } from '../server/privacy/rdp-accountant.js';
import { parseArgs } from '../models/cli/args.js';

if (process.argv.includes('--experiment')) {
  await import('./analytics/experiment-cli.js');
  process.exit(0);
}
const args = parseArgs(process.argv.slice(2), {
  data: 'string',
  clients: 'number',
  rounds: 'number',
  epsilon: 'number',
  json: 'string',
  plot: 'string',
  'pretrain-epochs': 'number',
  'eval-users': 'number',
  'local-steps': 'number',
  'local-lr': 'number',
  clip: 'number',
  seed: 'number',
  'centralized-epochs': 'number',
  'centralized-lr': 'string',
  'server-optimizer': 'string',
  'server-lr': 'number',
  'local-optimizer': 'string',
  'eval-every': 'number',
  'personalize-users': 'number',
  'personalize-steps': 'number',
  'personalize-lr': 'number',
  pretrained: 'string',
  only: 'string',
  merge: 'string',
  pool: 'string',
  'server-tau': 'number',
  'centralized-patience': 'number',
  neighbors: 'number',
  threshold: 'number',
  'plain-clip': 'number',
  weighting: 'string',
  select: 'string',
  checkpoint: 'string',
  'pause-after': 'number',
  'dp-clients': 'number',
  'dp-rounds': 'number',
  'dp-weight-examples': 'number',
  'dp-server-lr': 'number',
  'dp-coordinates': 'number',
  'dp-rank-users': 'number',
  'dp-server-optimizer': 'string',
  'dp-part': 'string',
  'dp-population': 'number',
  'public-share': 'number',
  participation: 'number',
  'max-cohort': 'number',
  dropout: 'number',
  aggregation: 'string',
  fleet: 'string',
});
const num = (k: string, d: number) => (args[k] as number | undefined) ?? d;

/** Prints the table and writes --json / --plot. */
async function publish(result: SimulationResult): Promise<void> {
  console.log(`\n${resultTable(result)}`);
  if (args.json) await writeFile(args.json as string, JSON.stringify(result, null, 2));
  if (args.plot) await writeFile(args.plot as string, resultPlot(result));
}

/** The --json results named in a comma-separated list. */
const readResults = (list: string) =>
  Promise.all(list.split(',').map(async (f) => JSON.parse(await readFile(f, 'utf8')) as SimulationResult));

// --fleet a.json,b.json,...: issue #33's table over seeds and settings (fleet-table.ts).
if (args.fleet) {
  const summary = fleetSummary(await readResults(args.fleet as string));
  console.log(fleetTable(summary));
  if (args.json) await writeFile(args.json as string, JSON.stringify(summary, null, 2));
  process.exit(0);
}
// --merge a.json,b.json joins the parts of one experiment that ran as separate processes.
if (args.merge) {
  await publish(mergeResults(await readResults(args.merge as string)));
  process.exit(0);
}
// --pool a.json,b.json pools complete results of different seeds into one share.
if (args.pool) {
  const pool = poolSeeds(await readResults(args.pool as string));
  console.log(poolTable(pool));
  if (args.json) await writeFile(args.json as string, JSON.stringify(pool, null, 2));
  process.exit(0);
}
// --only federated,federated_dp,centralized,personalization runs a subset (e.g. one per core).
const only = new Set((args.only as string | undefined)?.split(',') ?? SETTINGS);
for (const name of only)
  if (!(SETTINGS as readonly string[]).includes(name))
    throw new Error(`--only takes ${SETTINGS.join(', ')}; got "${name}"`);
/** A --server-optimizer style flag's value, checked (default `fallback`). */
const serverOptimizerFlag = (flag: string, fallback: 'fedavg' | 'fedadam'): 'fedavg' | 'fedadam' => {
  const value = (args[flag] as string | undefined) ?? fallback;
  if (value !== 'fedavg' && value !== 'fedadam') throw new Error(`--${flag} takes fedavg or fedadam; got "${value}"`);
  return value;
};
const serverOptimizer = serverOptimizerFlag('server-optimizer', 'fedadam');
const dpOptimizer = serverOptimizerFlag('dp-server-optimizer', serverOptimizer);
// Defaults: cohorts of 128 and FedAdam at the centralized ceiling's batch size and learning rate,
// so 160 rounds see about as many user gradients as the ceiling's best checkpoint.
const [clients, rounds, epsilon] = [num('clients', 128), num('rounds', 160), num('epsilon', 8)];
const seed = num('seed', 1);
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');

const data = await loadInteractions((args.data as string | undefined) ?? '../shared/data/amazon-beauty/Beauty.txt');
const users = shuffleInPlace(
  data.sequences.map((_, i) => i).filter((i) => data.sequences[i]!.length >= 3),
  mulberry32(seed),
);
// --public-share: the share of users whose data pretrains the seed model (public); the rest federate.
const publicShare = num('public-share', 0.5);
if (!(publicShare > 0 && publicShare < 1)) throw new Error('--public-share must be in (0, 1)');
const half = Math.floor(users.length * publicShare);
const publicSeqs = users.slice(0, half).map((u) => data.sequences[u]!);
const federated = leaveOneOut(users.slice(half).map((u) => data.sequences[u]!));
// Training (federated, centralized) sees each user's items before the validation item; the
// validation items pick the centralized epoch count; the test items are never trained on.
const clientData = federated.map((s) => s.train);
// 0 = every federated user: the gains here are a few thousandths of NDCG@10, so a 3,000-user sample is too noisy.
const evalUsers = num('eval-users', 0) || federated.length;
const cases = shuffleInPlace(evalCases(federated, 'test'), mulberry32(seed + 1)).slice(0, evalUsers);
const validation = shuffleInPlace(evalCases(federated, 'valid'), mulberry32(seed + 2)).slice(0, evalUsers);
// --dp-population (see the DP noise below), checked before minutes of pretraining.
const population = num('dp-population', federated.length);
if (!(Number.isInteger(population) && population >= federated.length))
  throw new Error(`--dp-population must be a whole number of shoppers, at least the ${federated.length} simulated`);
console.error(
  `public users ${publicSeqs.length}, federated users ${federated.length}, evaluated on ${cases.length} federated users' test items`,
);

// --pretrained caches the pretrained weights (JSON), so tuning runs skip the pretraining.
const cache = args.pretrained as string | undefined;
const cached = cache && existsSync(cache) ? (JSON.parse(await readFile(cache, 'utf8')) as number[][]) : undefined;
const encoder = cached
  ? buildSasrec(
      { ...DEFAULT_SASREC, vocabSize: data.itemIds.length + 1 },
      { modelId: 'simulation', modelVersion: '1', itemIds: data.itemIds },
    ).encoder
  : (
      await trainSasrec(
        publicSeqs,
        data.itemIds,
        { ...DEFAULT_TRAIN, epochs: num('pretrain-epochs', 30), refit: false, patience: 3 },
        { modelId: 'simulation', modelVersion: '1' },
      )
    ).encoder;
if (cached) encoder.setWeights(cached.map((w, i) => tf.tensor(w, encoder.getWeights()[i]!.shape)));
else if (cache) await writeFile(cache, JSON.stringify(encoder.getWeights().map((w) => Array.from(w.dataSync()))));
// The public popularity ranks which item rows are federated (as many as fit 512 KB).
const popularity = new Float64Array(data.itemIds.length + 1);
for (const seq of publicSeqs) for (const row of seq) popularity[row]! += 1;
const federatedRows = federatedRowsFor(encoder, popularity);
const vectorLength = federatedPart(encoder, federatedRows).size;
console.error(
  `federated part: encoder + ${federatedRows.length} item rows = ${vectorLength} values (${((vectorLength * 4) / 1024).toFixed(0)} KB masked)`,
);
const pretrainedWeights = encoder.getWeights().map((w) => tf.keep(tf.clone(w)));
// Each setting starts from the pretrained weights and dropout stream, so its result is the same
// whether this process pretrained or loaded --pretrained.
const reset = () => {
  encoder.setWeights(pretrainedWeights);
  encoder.restartDropout();
};
const score = async () => (await evaluate(sasrecScorer(encoder), cases)).metrics;
const pretrained = await score();

// DP-FedAvg's noise per coordinate of the mean is z * clip / cohort and spreads over every value
// sent, so the DP run may use its own, larger cohorts (fewer rounds at the same client budget)
// and send only the public top share of the vector.
const dp = {
  clients: num('dp-clients', clients),
  rounds: num('dp-rounds', rounds),
  serverLearningRate: num('dp-server-lr', num('server-lr', 0.0003)),
  fraction: num('dp-coordinates', 1),
};
// --participation q: each round samples every federated user with probability q (Poisson, the
// sampling the accountant assumes), cohorts of at most --max-cohort, a --dropout share of them
// leaving before they report; without it each round takes a fixed cohort (--clients, --dp-clients).
const rate = args.participation as number | undefined;
if (rate !== undefined && !(rate > 0 && rate <= 1)) throw new Error('--participation must be in (0, 1]');
const dropout = num('dropout', 0);
if (!(dropout >= 0 && dropout < 1 / 3)) throw new Error('--dropout must be in [0, 1/3): the threshold needs 2/3');
const participation = rate === undefined ? undefined : { rate, maxCohort: num('max-cohort', 1000), dropout };
const q = participation ? participation.rate : dp.clients / federated.length;
// --dp-population P > N: the same sampling rate over a fleet of P shoppers draws cohorts P / N
// times larger, so the noise on the mean (z * clip / cohort) is N / P of this run's at the same
// epsilon: this run adds that much noise to its own cohorts, to show what such a fleet's DP model
// would learn (pessimistic: its cohorts' own sampling spread stays that of N shoppers).
const dpDelta = 1 / population;
const z = noiseForEpsilon(epsilon, q, dp.rounds, dpDelta);
const appliedNoise = (z * federated.length) / population;
// --aggregation exact: the same rounds with SecAgg's sum computed directly (exact-rounds.ts), for
// runs of hundreds of 1,000-client rounds; secagg (default) goes through the real server.
const aggregation = (args.aggregation as string | undefined) ?? 'secagg';
if (aggregation !== 'secagg' && aggregation !== 'exact')
  throw new Error(`--aggregation takes secagg or exact; got "${aggregation}"`);
const localOptimizer = ((args['local-optimizer'] as string | undefined) ?? 'sgd') as 'sgd' | 'adam';
// --threshold: the round needs this share of its cohort to unmask, and each client's noise share
// is sized so that many carry the whole calibrated noise; a higher one adds less surplus noise but
// aborts the round when more of the cohort drops.
const thresholdFraction = num('threshold', DEFAULT_CONFIG.thresholdFraction);
checkThresholdFraction(thresholdFraction);
const runOptions = {
  clientsPerRound: clients,
  rounds,
  evalEvery: num('eval-every', 10),
  clip: num('clip', 10),
  localSteps: num('local-steps', 1),
  localLearningRate: num('local-lr', 1),
  localOptimizer,
  serverOptimizer,
  serverLearningRate: num('server-lr', 0.0003),
  serverAdamTau: num('server-tau', 1e-7),
  neighbors: num('neighbors', 0),
  thresholdFraction,
  federatedRows,
  seed,
  ...(participation && { participation }),
};
const run = async (label: string, noiseMultiplier: number, overrides: Partial<FederatedRunOptions> = {}) => {
  reset();
  const bar = new ProgressBar(label.padEnd(14), overrides.rounds ?? rounds);
  let last = '';
  const cohort = overrides.clientsPerRound ?? clients;
  let phaseStart = performance.now();
  const perRound = await (aggregation === 'exact' ? runExactRounds : runFederated)(encoder, clientData, cases, {
    ...runOptions,
    ...overrides,
    noiseMultiplier,
    // One directory per run: a stopped simulation run again resumes each where it stopped.
    ...(args.checkpoint !== undefined && {
      checkpoint: join(args.checkpoint as string, noiseMultiplier > 0 ? 'federated_dp' : 'federated'),
    }),
    ...(args['pause-after'] !== undefined && { pauseAfter: args['pause-after'] as number }),
    // Rounds of a thousand clients or more take minutes: say where each one is.
    ...(cohort >= 1000 && {
      onServerEvent: (event: string, fields: Record<string, unknown>) => {
        if (event !== 'round_phase' && event !== 'round_done' && event !== 'round_aborted') return;
        console.error(
          `\n${event} ${String(fields.phase ?? fields.reason ?? '')} after ${((performance.now() - phaseStart) / 1000).toFixed(0)} s`,
        );
        phaseStart = performance.now();
      },
    }),
    onRound: (r, m, s) => {
      if (m) last = `NDCG@10 ${m['NDCG@10']!.toFixed(4)}`;
      bar.update(r, `${last} (round ${s.round.toFixed(0)} s, training ${s.training.toFixed(0)} s)`);
    },
  });
  if (!perRound.finished) {
    // Nothing is published from a paused run: the same command without --pause-after resumes it.
    console.error(
      `\n${label}: paused after round ${args['pause-after'] as number}; its state is in ${args.checkpoint as string}`,
    );
    process.exit(0);
  }
  bar.done(`NDCG@10 ${perRound.test[perRound.test.length - 1]!['NDCG@10']!.toFixed(4)}`);
  return perRound;
};
const evaluated = (total: number) =>
  Array.from({ length: total }, (_, i) => i + 1).filter((r) => r % runOptions.evalEvery === 0 || r === total);
const pick = (m: Metrics) => ({ 'NDCG@10': m['NDCG@10']!, 'HR@10': m['HR@10']! });
const last = (xs: Metrics[]) => xs[xs.length - 1]!;
const result: SimulationResult = {
  pretrained: pick(pretrained),
  // perRound: NDCG@10 after every `evalEvery` rounds (and the last), listed in evaluatedRounds.
  evaluatedRounds: evaluated(rounds),
  settings: {
    clients,
    population: federated.length,
    evaluatedUsers: cases.length,
    aggregation,
    vectorLength,
    federatedItemRows: federatedRows.length,
    ...runOptions,
    federatedRows: undefined,
  },
};
if (only.has('federated')) {
  // Without DP nothing needs clipping (--plain-clip, default --clip); --weighting examples weighs
  // clients by their data as the ceiling's batches do; --select valid (default) reports the round
  // with the best validation NDCG@10, as the ceiling reports its best epoch (a deployment would
  // get that number from federated evaluation), --select last the final round.
  const weighting = (args.weighting as string | undefined) ?? 'uniform';
  if (weighting !== 'uniform' && weighting !== 'examples')
    throw new Error(`--weighting takes uniform or examples; got "${weighting}"`);
  const select = (args.select as string | undefined) ?? 'valid';
  if (select !== 'valid' && select !== 'last') throw new Error(`--select takes valid or last; got "${select}"`);
  // The typical history length is a public constant in a deployment; the cap (the longest history's weight) never binds here.
  const examples = clientData.reduce((s, u) => s + nextItemTargetCount(u, encoder.cfg.maxLen), 0) / clientData.length;
  const clip = num('plain-clip', runOptions.clip);
  const plain = await run('federated', 0, {
    clip,
    validationCases: validation,
    weighting: weighting === 'examples' ? { examples, cap: encoder.cfg.maxLen / examples } : undefined,
  });
  const valid = plain.validation.map((m) => m['NDCG@10']!);
  const at = select === 'valid' ? valid.indexOf(Math.max(...valid)) : plain.test.length - 1;
  result.federated = {
    ...pick(plain.test[at]!),
    selectedRound: evaluated(rounds)[at]!,
    select,
    clip,
    weighting,
    perRound: plain.test.map((m) => m['NDCG@10']!),
    perRoundValid: valid,
    costs: summarizeCosts(plain.costs),
  };
}
if (only.has('federated_dp')) {
  // --dp-part rows: centralized fine-tuning of the item rows alone recovers the whole ceiling's
  // gain (model card), so a DP run may send that block only and spend no noise on the encoder.
  const dpPart = (args['dp-part'] as string | undefined) ?? 'all';
  if (dpPart !== 'all' && dpPart !== 'rows') throw new Error(`--dp-part takes all or rows; got "${dpPart}"`);
  if (dpPart === 'rows' && dp.fraction < 1)
    throw new Error('--dp-part rows and --dp-coordinates < 1 exclude each other');
  const rows = dpPart === 'rows' ? rowsBlock(encoder, federatedRows) : undefined;
  // --dp-coordinates < 1: the coordinates ranked highest on public users' gradients.
  const publicSample = () =>
    shuffleInPlace([...publicSeqs], mulberry32(seed + 4))
      .slice(0, num('dp-rank-users', 1024))
      .map((s) => s.slice(0, -2));
  const coordinates =
    rows ??
    (dp.fraction < 1
      ? await dpCoordinatesFor(encoder, publicSample(), {
          fraction: dp.fraction,
          federatedRows,
          clip: runOptions.clip,
          seed,
        })
      : undefined);
  if (rows) console.error(`DP run federates the item rows only: ${rows.length} values`);
  else if (coordinates)
    console.error(
      `DP run federates the public top ${(dp.fraction * 100).toFixed(1)}% of the vector: ${coordinates.length} values`,
    );
  // --dp-weight-examples n: bounded weights min(examples / n, 1) after clipping, so one client still moves the sum by at most clip.
  const weightExamples = num('dp-weight-examples', 0);
  const weighting = weightExamples > 0 ? { examples: weightExamples, cap: 1 } : undefined;
  const private_ = await run(`federated, DP`, appliedNoise, {
    clientsPerRound: dp.clients,
    rounds: dp.rounds,
    serverOptimizer: dpOptimizer,
    serverLearningRate: dp.serverLearningRate,
    coordinates,
    validationCases: validation,
    weighting,
  });
  result.federated_dp = {
    // DP reports the last round: picking one by validation would spend privacy of its own.
    ...pick(last(private_.test)),
    epsilon: dpFedAvgEpsilon(q, z, dp.rounds, dpDelta),
    delta: dpDelta,
    ...(population !== federated.length && { population, appliedNoiseMultiplier: appliedNoise }),
    noiseMultiplier: z,
    clients: dp.clients,
    rounds: dp.rounds,
    serverOptimizer: dpOptimizer,
    serverLearningRate: dp.serverLearningRate,
    part: dpPart,
    coordinates: coordinates?.length ?? vectorLength,
    clip: runOptions.clip,
    ...(weighting && { weighting }),
    threshold: runOptions.thresholdFraction,
    // Each client's noise share is sized for the threshold, so when the whole cohort reports the
    // sum carries more noise than the accountant counts: z / sqrt(threshold).
    effectiveNoiseMultiplier: z / Math.sqrt(runOptions.thresholdFraction),
    evaluatedRounds: evaluated(dp.rounds),
    perRound: private_.test.map((m) => m['NDCG@10']!),
    // Validation NDCG@10 per evaluated round: what a deployment's federated evaluation would show.
    perRoundValid: private_.validation.map((m) => m['NDCG@10']!),
    costs: summarizeCosts(private_.costs),
  };
}
if (only.has('centralized')) {
  const learningRates = String(args['centralized-lr'] ?? '0.0003,0.0001')
    .split(',')
    .map(Number);
  const { chosen, trials } = await centralizedCeiling(encoder, clientData, validation, {
    learningRates,
    maxEpochs: num('centralized-epochs', 6),
    patience: num('centralized-patience', 4),
    federatedRows,
    seed,
    reset,
    onCheck: (lr, e, m) =>
      console.error(`centralized lr ${lr} epoch ${e.toFixed(2)}: valid NDCG@10 ${m['NDCG@10']!.toFixed(4)}`),
  });
  result.centralized = {
    ...pick(await score()),
    bestEpoch: chosen.bestEpoch,
    learningRate: chosen.learningRate,
    trials,
  };
}
if (only.has('personalization')) {
  reset();
  const [steps, learningRate] = [num('personalize-steps', 10), num('personalize-lr', 0.0005)];
  const gain = await personalizationGain(
    encoder,
    pretrainedWeights,
    shuffleInPlace([...cases], mulberry32(seed + 3)).slice(0, num('personalize-users', 300)),
    { steps, learningRate, seed },
  );
  result.personalization = {
    users: gain.users,
    before: pick(gain.before),
    after: pick(gain.after),
    paired: gain.paired,
    steps,
    learningRate,
  };
}
await publish(result);
