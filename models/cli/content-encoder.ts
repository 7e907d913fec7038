/**
 * npm run content-encoder -- --model <dir>
 * Fits the content encoder of a trained model to its item rows from its catalog.json's content
 * (titles, brands, categories, attributes) and ships it beside the model (content.bin, and its
 * entry in model.json): what `npm run train` does at its end, for a model trained before.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { shipContentEncoder } from '../content/ship-content-encoder.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { parseModelMetadata } from '../sasrec/model-metadata.js';
import { findEncoder } from '../sasrec/sasrec-encoder.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), { model: 'string' });
if (typeof args.model !== 'string') {
  console.error('usage: npm run content-encoder -- --model <dir>');
  process.exit(2);
}
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const modelJson = join(args.model, 'model.json');
const model = await loadModelFromDisk(modelJson);
const encoder = findEncoder(model);
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (!encoder || typeof meta === 'string') throw new Error(`${modelJson} is not a pocketrank model`);
const catalog = JSON.parse(await readFile(join(args.model, 'catalog.json'), 'utf8')).items;
const started = performance.now();
const fit = await shipContentEncoder(modelJson, encoder, meta.itemIds, catalog);
console.error(
  `content encoder: ${fit.encoder.buckets} buckets x ${fit.encoder.dim}, lambda ${fit.lambda} ` +
    `(held-out cosine ${Object.entries(fit.validCosine)
      .map(([l, c]) => `${l}: ${c.toFixed(3)}`)
      .join(', ')}), ${(fit.bytes / 1024).toFixed(0)} KB, ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
