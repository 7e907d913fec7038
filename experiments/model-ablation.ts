/**
 * npm run ablate -- --data …/Beauty.txt --name <row> [--set key=value,…] [--dir experiments/results/model-ablation]
 * npm run ablate -- --table [--dir …]
 * One row of the model's ablation table: trains with the trainer's defaults changed by `--set`
 * (keys of TrainOptions, e.g. learningRate=0.001,ffn=256,examples=prefixes), on training items
 * only (no refit), early-stopped on validation NDCG@10, then scores the published protocol's test
 * items with that model. Each row is its own file, so rows can run in separate processes;
 * `--table` prints them all, validation beside test. Rows are chosen on validation only.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from '../models/cli/args.js';
import { loadInteractions } from '../models/data/interactions.js';
import { evalCases } from '../models/data/leave-one-out.js';
import { evaluate } from '../models/eval/evaluate.js';
import type { Metrics } from '../models/eval/metrics.js';
import { sasrecScorer } from '../models/eval/sasrec-scorer.js';
import { DEFAULT_TRAIN, trainSasrec, type TrainOptions } from '../models/train/train-sasrec.js';

const args = parseArgs(process.argv.slice(2), {
  data: 'string',
  name: 'string',
  set: 'string',
  dir: 'string',
  table: 'boolean',
});
const dir = (args.dir as string | undefined) ?? 'experiments/results/model-ablation';

/** What one row's file holds. */
interface AblationRow {
  name: string;
  changes: Record<string, number | string>;
  options: TrainOptions;
  parameters: number;
  bestEpoch: number;
  epochsRun: number;
  stoppedBy: string;
  seconds: number;
  secondsPerEpoch: number;
  valid: Metrics;
  test: Metrics;
  log: { epoch: number; loss: number; ndcg10: number; seconds: number }[];
}

/** Parses `key=value,…` against TrainOptions' keys (plus the optional `ffn`), numbers where the default is one. */
function parseChanges(text: string): Record<string, number | string> {
  const known: Record<string, unknown> = {
    ...DEFAULT_TRAIN,
    ffn: DEFAULT_TRAIN.hidden,
    positions: 'absolute',
  };
  const out: Record<string, number | string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [key, value] = pair.split('=', 2) as [string, string | undefined];
    if (!(key in known) || value === undefined)
      throw new Error(`--set: "${pair}" is not key=value with a key of ${Object.keys(known).join(', ')}`);
    if (typeof known[key] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`--set: ${key} must be a number; got "${value}"`);
      out[key] = n;
    } else if (typeof known[key] === 'boolean') out[key] = value === 'true' || value === '1' ? 1 : 0;
    else out[key] = value;
  }
  return out;
}

const f4 = (x: number) => x.toFixed(4).replace(/^0/, '');

async function printTable(): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const rows = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as AblationRow),
  );
  rows.sort((a, b) => a.valid['NDCG@10']! - b.valid['NDCG@10']!);
  console.log(
    '| row | changes | valid NDCG@10 | valid HR@10 | test NDCG@10 | test HR@10 | best epoch / run | s per epoch |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const changes = Object.entries(r.changes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const epochs = `${r.bestEpoch} / ${r.epochsRun}${r.stoppedBy === 'wall-clock' ? ' (safety net)' : ''}`;
    console.log(
      `| ${r.name} | ${changes || 'defaults'} | ${f4(r.valid['NDCG@10']!)} | ${f4(r.valid['HR@10']!)} | ` +
        `${f4(r.test['NDCG@10']!)} | ${f4(r.test['HR@10']!)} | ${epochs} | ${Math.round(r.secondsPerEpoch)} |`,
    );
  }
}

if (args.table) {
  await printTable();
} else {
  if (typeof args.data !== 'string' || typeof args.name !== 'string' || !/^[\w.-]+$/.test(args.name)) {
    console.error('usage: model-ablation.ts --data <file> --name <row: letters, digits, . _ -> [--set key=value,…]');
    process.exit(2);
  }
  const changes = parseChanges((args.set as string | undefined) ?? '');
  const options = { ...DEFAULT_TRAIN, ...changes, refit: false } as TrainOptions;
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
  const data = await loadInteractions(args.data);
  const result = await trainSasrec(data.sequences, data.itemIds, options, {
    modelId: `ablation-${args.name}`,
    modelVersion: '0',
  });
  const { metrics: test } = await evaluate(sasrecScorer(result.encoder), evalCases(result.splits, 'test'));
  const row: AblationRow = {
    name: args.name,
    changes,
    options,
    parameters: result.encoder.countParams(),
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    stoppedBy: result.stoppedBy,
    seconds: Math.round(result.seconds),
    secondsPerEpoch: result.log.reduce((s, e) => s + e.seconds, 0) / result.log.length,
    valid: result.bestValid,
    test,
    log: result.log.map((e) => ({ epoch: e.epoch, loss: e.loss, ndcg10: e.valid['NDCG@10']!, seconds: e.seconds })),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${args.name}.json`), JSON.stringify(row, null, 2) + '\n');
  console.log(
    `${args.name}: valid NDCG@10 ${f4(row.valid['NDCG@10']!)} HR@10 ${f4(row.valid['HR@10']!)}; ` +
      `test NDCG@10 ${f4(test['NDCG@10']!)} HR@10 ${f4(test['HR@10']!)}; epoch ${row.bestEpoch} of ${row.epochsRun}`,
  );
}
