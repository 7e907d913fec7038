/**
 * npm run quantize -- --model <dir> [--precision uint8|float16|float32]
 * Rewrites a shipped model's weights at another precision without retraining (model.json's
 * topology and metadata are kept; the weights manifest, weights.bin and item-ids.json are
 * rewritten) and notes it in training.json. Check the result on the published protocol with
 * `npm run eval -- --model <dir> --data <file>`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { saveLayersModel, WEIGHT_PRECISIONS, type WeightPrecision } from '../sasrec/save-layers-model.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), { model: 'string', precision: 'string' });
const precision = (args.precision as WeightPrecision | undefined) ?? 'uint8';
if (typeof args.model !== 'string' || !WEIGHT_PRECISIONS.includes(precision)) {
  console.error(`usage: npm run quantize -- --model <dir> [--precision ${WEIGHT_PRECISIONS.join('|')}]`);
  process.exit(2);
}
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const model = await loadModelFromDisk(join(args.model, 'model.json'));
const saved = await saveLayersModel(model, args.model, precision);
// The training report says what the weights are now, beside the precision they were trained out to.
const reportPath = join(args.model, 'training.json');
const report = await readFile(reportPath, 'utf8').then(
  (text) => JSON.parse(text) as Record<string, unknown>,
  () => undefined,
);
if (report) {
  report.quantized = { precision, weightBytes: saved.weightBytes, by: 'npm run quantize' };
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
}
console.error(`${saved.weights}: ${saved.weightBytes} bytes of ${precision} weights`);
