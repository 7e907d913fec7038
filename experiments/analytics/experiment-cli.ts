/**
 * npm run simulate -- --experiment [--devices 5000] [--runs 20] [--max-cohort 5000] [--epsilon 1]
 *   [--threshold 0.667] [--model models/beauty] [--data ../shared/data/amazon-beauty/Beauty.txt] [--json f]
 * An A/B test with a known truth: each run is one reporting period in which `devices` shoppers
 * drawn from Beauty's users are assigned control (trending, the most popular items) or personal
 * (the shipped model's list for their history), replayed on that list with the replay model
 * (replay-shopper.ts: they click, cart and buy their real next item when the list shows it),
 * and report through a real federation server with SecAgg+ and the distributed discrete
 * Gaussian. The true lift is exact from the same replay over the whole population.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { shopIdsBeside } from '../../models/catalog/build-catalog.js';
import { parseArgs } from '../../models/cli/args.js';
import { loadInteractions } from '../../models/data/interactions.js';
import { evalCases, leaveOneOut } from '../../models/data/leave-one-out.js';
import { itemKnnScorer, popularityScorer } from '../../models/eval/baselines.js';
import { evaluate } from '../../models/eval/evaluate.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { parseModelMetadata } from '../../models/sasrec/model-metadata.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { type ExperimentRun, populationConversion, runExperimentPeriod, trueLift } from './experiment-simulation.js';
import { DEFAULT_REPLAY } from './replay-shopper.js';
import { replicatePeriods } from './estimator-replicates.js';

const args = parseArgs(
  process.argv.slice(2).filter((a) => a !== '--experiment'),
  {
    devices: 'number',
    runs: 'number',
    'max-cohort': 'number',
    epsilon: 'number',
    threshold: 'number',
    model: 'string',
    data: 'string',
    json: 'string',
    control: 'string',
    replicates: 'number',
  },
);
const control = (args.control as string | undefined) ?? 'item-knn';
if (control !== 'item-knn' && control !== 'popularity') throw new Error('--control takes item-knn or popularity');
const num = (k: string, d: number) => (args[k] as number | undefined) ?? d;
const options = {
  devices: num('devices', 5_000),
  runs: num('runs', 20),
  maxCohort: num('max-cohort', 5_000),
  epsilon: num('epsilon', 1),
  thresholdFraction: num('threshold', 2 / 3),
  replay: DEFAULT_REPLAY,
  population: 0,
};
const dataPath = (args.data as string | undefined) ?? '../shared/data/amazon-beauty/Beauty.txt';
const modelJson = join((args.model as string | undefined) ?? 'models/beauty', 'model.json');

if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const model = await loadModelFromDisk(modelJson);
const encoder = findEncoder(model);
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (!encoder || typeof meta === 'string') throw new Error(`${modelJson} is not a pocketrank model`);
const shopId = await shopIdsBeside(dataPath, {});
const rowOfShop = new Map(meta.itemIds.map((id, i) => [id, i + 1]));
const data = await loadInteractions(dataPath);
const sequences = data.sequences.map((seq) => seq.map((row) => rowOfShop.get(shopId(data.itemIds[row - 1]!)) ?? 0));
const splits = leaveOneOut(sequences);
const cases = evalCases(splits, 'test');
options.population = cases.length;
const hitsOf = async (scorer: Parameters<typeof evaluate>[0]) => {
  const { top } = await evaluate(scorer, cases, { keepTop: DEFAULT_REPLAY.listLength });
  return Uint8Array.from(cases, (c, i) => (top![i]!.includes(c.target) ? 1 : 0));
};
const hits = {
  control: await hitsOf(
    (control === 'popularity' ? popularityScorer : itemKnnScorer)(
      splits.map((s) => s.train),
      encoder.cfg.vocabSize,
    ),
  ),
  personal: await hitsOf(sasrecScorer(encoder)),
};
const conversion = populationConversion(hits, DEFAULT_REPLAY);
console.error(
  `population ${cases.length}: conversion control ${(100 * conversion.control).toFixed(3)}%, personal ` +
    `${(100 * conversion.personal).toFixed(3)}%; true lift ${(100 * (conversion.personal / conversion.control - 1)).toFixed(1)}%`,
);

const replicates = replicatePeriods(hits, options, num('replicates', 0));
/** Median lift, interval ends and log-scale width of the replicates that published one. */
function replicateMedians(with_: typeof replicates) {
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return {
    medianLift: mid(with_.map((r) => r.lift!)),
    medianLow: mid(with_.map((r) => r.low!)),
    medianHigh: mid(with_.map((r) => r.high!)),
    medianLogWidth: mid(with_.map((r) => Math.log1p(r.high!) - Math.log1p(r.low!))),
  };
}
const replicateSummary = replicates.length
  ? {
      count: replicates.length,
      coverage: replicates.filter((r) => r.covered).length / replicates.length,
      withoutEstimate: replicates.filter((r) => r.lift === null).length,
      ...replicateMedians(replicates.filter((r) => r.lift !== null)),
    }
  : undefined;
if (replicateSummary)
  console.error(
    `${replicates.length} estimator replicates (no protocol): coverage ${(100 * replicateSummary.coverage).toFixed(1)}%, ` +
      `${replicateSummary.withoutEstimate} without an estimate; median lift ${(100 * replicateSummary.medianLift).toFixed(1)}% ` +
      `[${(100 * replicateSummary.medianLow).toFixed(1)}, ${(100 * replicateSummary.medianHigh).toFixed(1)}]`,
  );

const runs: ExperimentRun[] = [];
for (let r = 0; r < options.runs; r++) {
  const run = await runExperimentPeriod(hits, options);
  runs.push(run);
  const p = run.published;
  console.error(
    `run ${r + 1}/${options.runs}: exact ${(100 * run.exact).toFixed(1)}%, published ` +
      `${p ? `${(100 * p.lift).toFixed(1)}% [${(100 * p.low).toFixed(1)}, ${(100 * p.high).toFixed(1)}]` : 'none'}` +
      `${run.covered ? ' covers' : ' MISSES'} the truth; ${run.wallSeconds.toFixed(0)} s, ${run.cpuMsPerDevice.toFixed(1)} ms CPU/device`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const published = runs.filter((r) => r.published);
const summary = {
  options,
  control,
  population: { users: cases.length, conversion, trueLift: trueLift(hits) },
  coverage: runs.filter((r) => r.covered).length / Math.max(1, runs.length),
  replicates: replicateSummary,
  medianPublishedLift: median(published.map((r) => r.published!.lift)),
  medianInterval: {
    low: median(published.map((r) => r.published!.low)),
    high: median(published.map((r) => r.published!.high)),
  },
  /** Width on the log scale of the ratio, whose half is 1.96 standard errors. */
  medianLogWidth: median(published.map((r) => Math.log1p(r.published!.high) - Math.log1p(r.published!.low))),
  medianNoiseSdConverted: median(runs.map((r) => r.noiseSdConverted)),
  medianEpsilon: median(runs.map((r) => r.epsilon)),
  medianWallSeconds: median(runs.map((r) => r.wallSeconds)),
  medianCpuMsPerDevice: median(runs.map((r) => r.cpuMsPerDevice)),
  medianUnmaskSeconds: median(runs.flatMap((r) => r.unmaskSeconds)),
  runs,
};
console.log(
  `\n${options.runs} runs of ${options.devices} devices (cohorts of ≤ ${options.maxCohort}), epsilon ${options.epsilon} per period:\n` +
    `  true lift ${(100 * summary.population.trueLift).toFixed(1)}%; median published ${(100 * summary.medianPublishedLift).toFixed(1)}% ` +
    `[${(100 * summary.medianInterval.low).toFixed(1)}, ${(100 * summary.medianInterval.high).toFixed(1)}]\n` +
    `  coverage of the 95% interval ${(100 * summary.coverage).toFixed(0)}%; noise sd on converted ${summary.medianNoiseSdConverted.toFixed(2)} devices\n` +
    `  per run ${summary.medianWallSeconds.toFixed(0)} s wall, ${summary.medianCpuMsPerDevice.toFixed(1)} ms process CPU per device, ` +
    `unmasking ${summary.medianUnmaskSeconds.toFixed(2)} s per round`,
);
if (args.json) await writeFile(args.json as string, JSON.stringify(summary, null, 2));
