/**
 * npm run content-encoder -- --model <dir> [--data <file>]
 * Fits the content encoder of a trained model to its item rows from its catalog.json's content
 * (titles, brands, categories, attributes) and ships it beside the model (content.bin, and its
 * entry in model.json): what `npm run train` does at its end, for a model trained before. With
 * --data (the data the model was trained on) it is then trained on the model's ranking objective
 * over each sequence's training part, and its new-product offset chosen on the validation items,
 * as `npm run train` does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { shipContentEncoder } from '../content/ship-content-encoder.js';
import { shopIdsBeside } from '../catalog/build-catalog.js';
import { loadInteractions } from '../data/interactions.js';
import { evalCases, leaveOneOut, type EvalCase } from '../data/leave-one-out.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { parseModelMetadata } from '../sasrec/model-metadata.js';
import { findEncoder } from '../sasrec/sasrec-encoder.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), { model: 'string', data: 'string' });
if (typeof args.model !== 'string') {
  console.error('usage: npm run content-encoder -- --model <dir> [--data <file>]');
  process.exit(2);
}
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const modelJson = join(args.model, 'model.json');
const model = await loadModelFromDisk(modelJson);
const encoder = findEncoder(model);
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (!encoder || typeof meta === 'string') throw new Error(`${modelJson} is not a pocketrank model`);
const catalog = JSON.parse(await readFile(join(args.model, 'catalog.json'), 'utf8')).items as {
  id: string;
}[];
const started = performance.now();
let sequences: number[][] | undefined;
let validCases: EvalCase[] | undefined;
if (typeof args.data === 'string') {
  // The data's items as model rows (through the datamaps file beside the data); the last two of
  // each sequence (validation and test) stay out.
  const shopId = await shopIdsBeside(args.data);
  const rowOfShop = new Map(meta.itemIds.map((id, i) => [id, i + 1]));
  const data = await loadInteractions(args.data);
  const rowSequences = data.sequences.map((s) =>
    s.flatMap((row) => rowOfShop.get(shopId(data.itemIds[row - 1]!)) ?? []),
  );
  sequences = rowSequences.map((s) => s.slice(0, -2));
  validCases = evalCases(leaveOneOut(rowSequences), 'valid');
}
const fit = await shipContentEncoder(modelJson, encoder, meta.itemIds, catalog, {
  ...(sequences && { sequences }),
  ...(validCases && { validCases }),
});
const cosines = Object.entries(fit.validCosine).map(([l, c]) => `${l}: ${c.toFixed(3)}`);
const ranking = fit.rankingLoss ? `, ranking loss ${fit.rankingLoss.map((l) => l.toFixed(2)).join(' -> ')}` : '';
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const offset = fit.offset
  ? `; new-product offset ${fit.offset.offset} (validation warm cost / stand-in new HR@10: ${fit.offset.grid
      .map((r) => `${r.offset}: ${(100 * r.warmCost).toFixed(1)}% / ${r.newHr.toFixed(4)}`)
      .join(', ')})`
  : '';
console.error(
  `content encoder: ${fit.encoder.buckets} buckets x ${fit.encoder.dim}, lambda ${fit.lambda} ` +
    `(held-out cosine ${cosines.join(', ')})${ranking}${offset}, ${(fit.bytes / 1024).toFixed(0)} KB, ${seconds} s`,
);
