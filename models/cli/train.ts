/**
 * npm run train -- --data <file> --out <dir> [--epochs N --seed S --hidden 64 --blocks 2 --heads 2 --ffn 64
 *   --examples prefixes|positions --low-frequencies 3 --filter-alpha 0.7 (the frequency filter; 0 = off)
 *   --dropout 0.3 --lr 0.002 --batch 256 --max-len 50 --patience 4 --max-minutes 180 --valid-users 0
 *   --precision uint8 --model-id beauty-sasrec --model-version 1 --refit 1 --dp-fraction F
 *   --datamaps F --attributes F --titles F (default: <data>_datamaps.json, _item2attributes.json, _item_titles.txt)
 *   --cold-items F]
 * At the end it fits the content encoder (models/content/) to the trained item rows and ships it,
 * and ships the search blend (models/search/) chosen on the validation items before the refit.
 * --cold-items F holds a random share F of the items out of training entirely (their interactions
 * removed from every sequence, no row in the model), for `npm run eval`'s cold-item protocol:
 * training.json lists them, catalog.json keeps them with popularity 0, as new products.
 * Trains on the tfjs WASM backend, evaluates on the held-out test items, writes model.json,
 * weights.bin, catalog.json, top.json (the first list) and training.json to --out. A DP deployment of the model federates
 * the item rows' block (`dpPart: 'rows'`); --dp-fraction F lists the public top F of the
 * federated vector instead (`dpCoordinates`), --dp-fraction 0 neither.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadInteractions } from '../data/interactions.js';
import { evalCases, type UserSplit } from '../data/leave-one-out.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import { dpCoordinatesFor } from '../train/dp-coordinates.js';
import { buildCatalog, catalogFiles } from '../catalog/build-catalog.js';
import { FIRST_LIST_FILE, firstList } from '../catalog/first-list.js';
import { shipContentEncoder } from '../content/ship-content-encoder.js';
import { evaluate } from '../eval/evaluate.js';
import { sasrecScorer } from '../eval/sasrec-scorer.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { saveLayersModel, WEIGHT_PRECISIONS, type WeightPrecision } from '../sasrec/save-layers-model.js';
import { federatedRowsFor } from '../train/local-finetune.js';
import { CatalogIndex } from '../search/catalog-index.js';
import { searchRows } from '../eval/search-eval.js';
import { shipSearchBlend, tuneSearchBlend, type TunedBlend } from '../search/tune-search-blend.js';
import { findEncoder } from '../sasrec/sasrec-encoder.js';
import { DEFAULT_TRAIN, trainSasrec, type TrainOptions } from '../train/train-sasrec.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), {
  data: 'string',
  out: 'string',
  epochs: 'number',
  seed: 'number',
  hidden: 'number',
  blocks: 'number',
  heads: 'number',
  dropout: 'number',
  lr: 'number',
  batch: 'number',
  'max-len': 'number',
  patience: 'number',
  'max-minutes': 'number',
  'valid-users': 'number',
  negatives: 'number',
  ffn: 'number',
  'low-frequencies': 'number',
  'filter-alpha': 'number',
  examples: 'string',
  refit: 'number',
  precision: 'string',
  'model-id': 'string',
  'model-version': 'string',
  datamaps: 'string',
  attributes: 'string',
  titles: 'string',
  'dp-fraction': 'number',
  'cold-items': 'number',
});
if (typeof args.data !== 'string' || typeof args.out !== 'string') {
  console.error('usage: npm run train -- --data <file> --out <dir> [options]');
  process.exit(2);
}
const num = (name: string, fallback: number) => (args[name] as number | undefined) ?? fallback;
function examplesKind(value: string): TrainOptions['examples'] {
  if (value !== 'positions' && value !== 'prefixes') throw new Error('--examples must be positions or prefixes');
  return value;
}
const precision = (args.precision as WeightPrecision | undefined) ?? 'uint8';
if (!WEIGHT_PRECISIONS.includes(precision))
  throw new Error(`--precision must be one of ${WEIGHT_PRECISIONS.join(', ')}`);

if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const data = await loadInteractions(args.data);
const files = await catalogFiles(args.data, args);
// --cold-items: a seeded share of the items never seen in training, as products added after it.
const coldShare = (args['cold-items'] as number | undefined) ?? 0;
if (!(coldShare >= 0 && coldShare < 1)) throw new Error('--cold-items must be a share from 0 to below 1');
const coldRows = new Set(
  shuffleInPlace(
    data.itemIds.map((_, i) => i + 1),
    mulberry32(num('seed', DEFAULT_TRAIN.seed) + 1),
  ).slice(0, Math.round(coldShare * data.itemIds.length)),
);
const warmRowOf = new Map<number, number>();
data.itemIds.forEach((_, i) => !coldRows.has(i + 1) && warmRowOf.set(i + 1, warmRowOf.size + 1));
const sequences = coldRows.size
  ? data.sequences.map((s) => s.flatMap((row) => warmRowOf.get(row) ?? [])).filter((s) => s.length > 0)
  : data.sequences;
const splitsForCatalog = data.sequences.map((s) => {
  const kept = s.filter((row) => !coldRows.has(row));
  return kept.length >= 3 ? kept.slice(0, -2) : kept;
});
const fullCatalog = await buildCatalog(data.itemIds, splitsForCatalog, files);
// The model's rows: the warm items, in data order.
const catalog = fullCatalog.filter((_, i) => !coldRows.has(i + 1));
const interactions = data.sequences.reduce((n, s) => n + s.length, 0);
console.error(
  `data: ${data.users.length} users, ${data.itemIds.length} items, ${interactions} interactions (${basename(args.data)})`,
);

const opts = {
  ...DEFAULT_TRAIN,
  epochs: num('epochs', DEFAULT_TRAIN.epochs),
  seed: num('seed', DEFAULT_TRAIN.seed),
  hidden: num('hidden', DEFAULT_TRAIN.hidden),
  blocks: num('blocks', DEFAULT_TRAIN.blocks),
  heads: num('heads', DEFAULT_TRAIN.heads),
  dropout: num('dropout', DEFAULT_TRAIN.dropout),
  learningRate: num('lr', DEFAULT_TRAIN.learningRate),
  batchSize: num('batch', DEFAULT_TRAIN.batchSize),
  maxLen: num('max-len', DEFAULT_TRAIN.maxLen),
  patience: num('patience', DEFAULT_TRAIN.patience),
  maxMinutes: num('max-minutes', DEFAULT_TRAIN.maxMinutes),
  validUsers: num('valid-users', DEFAULT_TRAIN.validUsers),
  negatives: num('negatives', DEFAULT_TRAIN.negatives),
  ...(args.ffn !== undefined && { ffn: args.ffn as number }),
  lowFrequencies: num('low-frequencies', DEFAULT_TRAIN.lowFrequencies ?? 0),
  filterAlpha: num('filter-alpha', DEFAULT_TRAIN.filterAlpha ?? 0.7),
  examples: examplesKind((args.examples as string | undefined) ?? DEFAULT_TRAIN.examples),
  refit: num('refit', DEFAULT_TRAIN.refit ? 1 : 0) === 1,
};
const modelId =
  (args['model-id'] as string | undefined) ??
  `${basename(args.data)
    .replace(/\.[^.]+$/, '')
    .toLowerCase()}-sasrec`;
const modelVersion = (args['model-version'] as string | undefined) ?? '1';
// The search blend is chosen on validation items, so on the model before it is refit on them.
let searchBlend: TunedBlend | undefined;
const tuneSearch = async (encoder: SasrecEncoder, splits: UserSplit[]) => {
  const rows = searchRows(
    catalog.map((c) => c.id),
    catalog,
  );
  searchBlend = await tuneSearchBlend(encoder, new CatalogIndex(catalog), rows, evalCases(splits, 'valid'), opts.seed);
};
const result = await trainSasrec(
  sequences,
  catalog.map((c) => c.id),
  opts,
  { modelId, modelVersion },
  { beforeRefit: tuneSearch },
);
if (!searchBlend) await tuneSearch(result.encoder, result.splits);

const testCases = evalCases(result.splits, 'test');
const { metrics: testFloat32 } = await evaluate(sasrecScorer(result.encoder), testCases);
await mkdir(args.out, { recursive: true });
// The item rows federated with the encoder: the most popular training items that fit the upload budget (public, in the metadata).
const federatedRows = federatedRowsFor(result.encoder, [0, ...catalog.map((c) => c.popularity)]);
// What a DP deployment federates: by default the item rows' block, where the centralized gain
// lives (model card); --dp-fraction F: the top F of positions ranked on training users' clipped
// gradients (models/train/dp-coordinates.ts).
const dpFraction = args['dp-fraction'] as number | undefined;
const dpSample = () =>
  shuffleInPlace(
    sequences.filter((s) => s.length >= 3).map((s) => s.slice(0, -2)),
    mulberry32(opts.seed),
  ).slice(0, 1024);
const dp =
  dpFraction === undefined
    ? { dpPart: 'rows' as const }
    : dpFraction > 0
      ? {
          dpCoordinates: await dpCoordinatesFor(result.encoder, dpSample(), {
            fraction: dpFraction,
            federatedRows,
            clip: 10,
            seed: opts.seed,
          }),
        }
      : {};
const metadata = result.model.getUserDefinedMetadata() as { pocketrank: Record<string, unknown> };
result.model.setUserDefinedMetadata({ ...metadata, pocketrank: { ...metadata.pocketrank, federatedRows, ...dp } });
const saved = await saveLayersModel(result.model, args.out, precision);
await writeFile(join(args.out, 'catalog.json'), JSON.stringify({ items: fullCatalog }));
await writeFile(join(args.out, FIRST_LIST_FILE), JSON.stringify(firstList(fullCatalog)));
const content = await shipContentEncoder(
  saved.modelJson,
  result.encoder,
  catalog.map((c) => c.id),
  catalog,
  // Trained on the model's objective over the training items only (never the test items).
  // Its new-product offset is chosen on the validation users.
  {
    seed: opts.seed,
    sequences: sequences.map((s) => s.slice(0, -2)),
    validCases: evalCases(result.splits, 'valid'),
  },
);
await shipSearchBlend(saved.modelJson, searchBlend!.blend);
const reloaded = await loadModelFromDisk(saved.modelJson);
const reloadedEncoder = findEncoder(reloaded)!;
const { metrics: testShipped } = await evaluate(sasrecScorer(reloadedEncoder), testCases);
const params = result.encoder.countParams();
const report = {
  data: basename(args.data),
  users: data.users.length,
  items: data.itemIds.length,
  interactions,
  options: opts,
  parameters: params,
  weightBytes: saved.weightBytes,
  precision,
  trainingSeconds: Math.round(result.seconds),
  epochsRun: result.epochsRun,
  bestEpoch: result.bestEpoch,
  stoppedBy: result.stoppedBy,
  refitted: result.refitted,
  valid: result.bestValid,
  testFloat32,
  testShipped,
  contentEncoder: {
    buckets: content.encoder.buckets,
    lambda: content.lambda,
    validCosine: content.validCosine,
    rankingLoss: content.rankingLoss,
    newItemOffset: content.offset,
    bytes: content.bytes,
  },
  searchBlend,
  ...(coldRows.size > 0 && { coldItems: [...coldRows].sort((a, b) => a - b).map((row) => fullCatalog[row - 1]!.id) }),
  epochs: result.log,
};
await writeFile(join(args.out, 'training.json'), JSON.stringify(report, null, 2));
const f = (m: Record<string, number>) => `HR@10 ${m['HR@10']!.toFixed(4)}  NDCG@10 ${m['NDCG@10']!.toFixed(4)}`;
console.log(
  `trained ${params} parameters in ${Math.round(result.seconds)} s (best epoch ${result.bestEpoch} of ` +
    `${result.epochsRun}, stopped by ${result.stoppedBy}${result.refitted ? ', then refit on training + validation items' : ''})`,
);
console.log(`test, float32 weights: ${f(testFloat32)}`);
console.log(`test, shipped ${precision} weights (${saved.weightBytes} bytes): ${f(testShipped)}`);
