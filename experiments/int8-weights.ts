/**
 * npx tsx experiments/int8-weights.ts [--model models/beauty] [--data …/Beauty.txt]
 * Would 8-bit weights cost anything? The shipped float16 weights are quantized and dequantized in
 * memory, then evaluated on the published protocol (full ranking, leave-one-out test items):
 * per tensor (uint8 with a scale and minimum per tensor, the form tfjs's weights manifest decodes
 * natively) and per row (int8 with a scale per row of each matrix, which the worker would have to
 * decode itself). Writes experiments/results/int8-weights.json.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from '../models/cli/args.js';
import { shopIdsBeside } from '../models/catalog/build-catalog.js';
import { loadInteractions } from '../models/data/interactions.js';
import { evalCases, leaveOneOut } from '../models/data/leave-one-out.js';
import { evaluate } from '../models/eval/evaluate.js';
import { sasrecScorer } from '../models/eval/sasrec-scorer.js';
import { loadModelFromDisk } from '../models/sasrec/load-model-dir.js';
import { parseModelMetadata } from '../models/sasrec/model-metadata.js';
import { findEncoder } from '../models/sasrec/sasrec-encoder.js';

const args = parseArgs(process.argv.slice(2), { model: 'string', data: 'string' });
const dir = (args.model as string | undefined) ?? 'models/beauty';
const dataPath = (args.data as string | undefined) ?? '../shared/data/amazon-beauty/Beauty.txt';
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const model = await loadModelFromDisk(join(dir, 'model.json'));
const encoder = findEncoder(model)!;
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (typeof meta === 'string') throw new Error(meta);
const shopId = await shopIdsBeside(dataPath);
const rowOfShop = new Map(meta.itemIds.map((id, i) => [id, i + 1]));
const data = await loadInteractions(dataPath);
const sequences = data.sequences.map((s) => s.map((row) => rowOfShop.get(shopId(data.itemIds[row - 1]!)) ?? 0));
const cases = evalCases(leaveOneOut(sequences), 'test');

/** Per tensor: uint8 over [min, max]. */
function perTensor(values: Float32Array): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) ((min = Math.min(min, v)), (max = Math.max(max, v)));
  const scale = (max - min) / 255 || 1;
  return values.map((v) => Math.round((v - min) / scale) * scale + min);
}

/** Per row (last dimension contiguous): int8 symmetric, scale = max |v| / 127 of the row. */
function perRow(values: Float32Array, rowLength: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let start = 0; start < values.length; start += rowLength) {
    let peak = 0;
    for (let i = start; i < start + rowLength; i++) peak = Math.max(peak, Math.abs(values[i]!));
    const scale = peak / 127 || 1;
    for (let i = start; i < start + rowLength; i++) out[i] = Math.round(values[i]! / scale) * scale;
  }
  return out;
}

const shipped = encoder.getWeights().map((w) => tf.keep(tf.clone(w)));
const variants: Record<string, (t: tf.Tensor) => Float32Array> = {
  'float16 (shipped)': (t) => t.dataSync() as Float32Array,
  'uint8 per tensor': (t) => perTensor(t.dataSync() as Float32Array),
  'int8 per row': (t) => perRow(t.dataSync() as Float32Array, t.shape.at(-1) ?? 1),
};
const results: Record<string, { metrics: Record<string, number>; weightBytes: number }> = {};
for (const [name, quantize] of Object.entries(variants)) {
  encoder.setWeights(shipped.map((t) => tf.tensor(quantize(t), t.shape)));
  const { metrics } = await evaluate(sasrecScorer(encoder), cases);
  const values = shipped.reduce((n, t) => n + t.size, 0);
  const rows = shipped.reduce((n, t) => n + t.size / (t.shape.at(-1) ?? 1), 0);
  const weightBytes = name.startsWith('float16')
    ? 2 * values
    : name.includes('row')
      ? values + 4 * rows
      : values + 8 * shipped.length;
  results[name] = { metrics, weightBytes };
  console.log(
    `${name.padEnd(20)} HR@10 ${metrics['HR@10']!.toFixed(4)} NDCG@10 ${metrics['NDCG@10']!.toFixed(4)} weights ${weightBytes} bytes`,
  );
}
await writeFile(
  'experiments/results/int8-weights.json',
  `${JSON.stringify({ model: dir, users: cases.length, results }, null, 2)}\n`,
);
