/**
 * npm run eval -- --model <dir> --data <file> [--dump-topk <file>] [--json <file>]
 * Leave-one-out full ranking on the data's last items: the model beside the popularity and
 * item-KNN baselines on the same split, HR and NDCG at 5/10/20 in one table.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadInteractions } from '../data/interactions.js';
import { evalCases, leaveOneOut } from '../data/leave-one-out.js';
import { itemKnnScorer, popularityScorer } from '../eval/baselines.js';
import { evaluate, type Scorer } from '../eval/evaluate.js';
import { CUTOFFS, type Metrics } from '../eval/metrics.js';
import { sasrecScorer } from '../eval/sasrec-scorer.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { parseModelMetadata } from '../sasrec/model-metadata.js';
import { findEncoder } from '../sasrec/sasrec-encoder.js';
import { ProgressBar } from '../train/progress-bar.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), {
  model: 'string',
  data: 'string',
  'dump-topk': 'string',
  json: 'string',
});
if (typeof args.model !== 'string' || typeof args.data !== 'string') {
  console.error('usage: npm run eval -- --model <dir> --data <file> [--dump-topk <file>] [--json <file>]');
  process.exit(2);
}
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const modelJson = args.model.endsWith('.json') ? args.model : join(args.model, 'model.json');
const model = await loadModelFromDisk(modelJson);
const encoder = findEncoder(model);
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (!encoder || typeof meta === 'string')
  throw new Error(`${modelJson} is not a pocketrank model${typeof meta === 'string' ? `: ${meta}` : ''}`);

// The model's rows are shop ids (ASINs); catalog.json maps them back to the data file's ids.
const catalogPath = join(modelJson, '..', 'catalog.json');
const catalog = JSON.parse(await readFile(catalogPath, 'utf8').catch(() => '{"items":[]}')) as {
  items: { id: string; sourceId?: string }[];
};
const sourceOf = new Map(catalog.items.map((c) => [c.id, c.sourceId ?? c.id]));
const rowOfSource = new Map(meta.itemIds.map((id, i) => [sourceOf.get(id) ?? id, i + 1]));
const data = await loadInteractions(args.data);
let unknown = 0;
const sequences = data.sequences.map((seq) =>
  seq.map((row) => {
    const mapped = rowOfSource.get(data.itemIds[row - 1]!);
    if (mapped === undefined) unknown += 1;
    return mapped ?? 0;
  }),
);
if (unknown) console.error(`note: ${unknown} interactions name items the model does not know; they count as misses`);
const splits = leaveOneOut(sequences);
const cases = evalCases(splits, 'test');
const train = splits.map((s) => s.train);
const vocabSize = encoder.cfg.vocabSize;
const scorers: Scorer[] = [
  sasrecScorer(encoder, 'model'),
  popularityScorer(train, vocabSize),
  itemKnnScorer(train, vocabSize),
];

const results: Record<string, Metrics> = {};
let modelTop: number[][] | undefined;
for (const scorer of scorers) {
  const bar = new ProgressBar(scorer.name.padEnd(10), cases.length);
  const isModel = scorer.name === 'model';
  const out = await evaluate(scorer, cases, {
    ...(isModel && args['dump-topk'] ? { keepTop: 20 } : {}),
    onBatch: (n) => bar.update(n),
  });
  bar.done();
  results[scorer.name] = out.metrics;
  if (isModel) modelTop = out.top;
}

const columns = CUTOFFS.flatMap((k) => [`HR@${k}`, `NDCG@${k}`]);
console.log(`\nfull ranking over ${vocabSize - 1} items, ${cases.length} test users (${args.data})\n`);
console.log(['method'.padEnd(12), ...columns.map((c) => c.padStart(9))].join(''));
for (const [name, m] of Object.entries(results))
  console.log([name.padEnd(12), ...columns.map((c) => m[c]!.toFixed(4).padStart(9))].join(''));

if (args['dump-topk'] && modelTop) {
  const sourceId = (row: number) => sourceOf.get(meta.itemIds[row - 1]!) ?? meta.itemIds[row - 1]!;
  const lines = cases.map((c, i) => `${data.users[c.user]} ${modelTop![i]!.map(sourceId).join(' ')}`);
  await writeFile(args['dump-topk'] as string, `${lines.join('\n')}\n`);
}
if (args.json) await writeFile(args.json as string, JSON.stringify(results, null, 2));
