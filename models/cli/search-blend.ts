/**
 * npm run search-blend -- --model <dir> --data <file> [--tune-on <dir>] [--seed S]
 * Chooses how `search()` and `rerank()` blend relevance with the shopper's model score, on the
 * validation items of the data (queries made from their titles), and writes it into the model's
 * model.json: what `npm run train` does before its refit, for a model trained before. A refit
 * model has trained on its validation items, so with --tune-on the blend is chosen on another
 * model of the same recipe trained with --refit 0.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { shopIdsBeside } from '../catalog/build-catalog.js';
import { loadInteractions } from '../data/interactions.js';
import { evalCases, leaveOneOut } from '../data/leave-one-out.js';
import { searchRows } from '../eval/search-eval.js';
import { CatalogIndex } from '../search/catalog-index.js';
import { shipSearchBlend, tuneSearchBlend } from '../search/tune-search-blend.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { parseModelMetadata } from '../sasrec/model-metadata.js';
import { findEncoder } from '../sasrec/sasrec-encoder.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), { model: 'string', data: 'string', 'tune-on': 'string', seed: 'number' });
if (typeof args.model !== 'string' || typeof args.data !== 'string') {
  console.error('usage: npm run search-blend -- --model <dir> --data <file> [--tune-on <dir>] [--seed S]');
  process.exit(2);
}
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const dir = (args['tune-on'] as string | undefined) ?? args.model;
const model = await loadModelFromDisk(join(dir, 'model.json'));
const encoder = findEncoder(model);
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (!encoder || typeof meta === 'string') throw new Error(`${dir} is not a pocketrank model`);
const catalog = JSON.parse(await readFile(join(dir, 'catalog.json'), 'utf8')).items as {
  id: string;
  title?: string;
  popularity?: number;
}[];
const training = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8').catch(() => '{}')) as {
  refitted?: boolean;
};
if (training.refitted)
  console.error(
    `note: ${dir} was refit on its validation items; the blend is chosen on items it trained on (see --tune-on)`,
  );
// The data's items as model rows (through the datamaps file beside the data).
const shopId = await shopIdsBeside(args.data);
const rowOfShop = new Map(meta.itemIds.map((id, i) => [id, i + 1]));
const data = await loadInteractions(args.data);
const sequences = data.sequences.map((s) => s.flatMap((row) => rowOfShop.get(shopId(data.itemIds[row - 1]!)) ?? []));
const started = performance.now();
const tuned = await tuneSearchBlend(
  encoder,
  new CatalogIndex(catalog),
  searchRows(meta.itemIds, catalog),
  evalCases(leaveOneOut(sequences), 'valid'),
  (args.seed as number | undefined) ?? 42,
);
await shipSearchBlend(join(args.model, 'model.json'), tuned.blend);
const v = tuned.valid;
console.error(
  `search blend ${JSON.stringify(tuned.blend)} on ${v.users} validation queries: NDCG@10 lexical ${v.lexical.toFixed(4)} ` +
    `-> blended ${v.personalized.toFixed(4)}; shop order ${v.shopOrder.toFixed(4)} -> reranked ${v.reranked.toFixed(4)} ` +
    `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
