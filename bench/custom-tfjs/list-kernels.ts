/**
 * Lists the tfjs kernels pocketrank runs (ranking every scenario, explanations, on-device and
 * federated training) by profiling them on the WASM backend in Node; writes kernels.json for the
 * custom-build experiment in `npm run bench`.
 */
import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { mulberry32 } from '../../models/data/rng.js';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { fineTuneOnHistory } from '../../models/train/local-finetune.js';
import { explainByOcclusion } from '../../worker/explain-ranking.js';

await tf.setBackend('wasm');
const model = await loadModelFromDisk('models/beauty/model.json');
const encoder = findEncoder(model)!;
const history = Array.from({ length: 20 }, (_, i) => 100 + i);
const used = new Set<string>();
const profile = async (f: () => unknown) =>
  (await tf.profile(f as () => tf.Tensor)).kernelNames.forEach((k) => used.add(k));
await profile(() => {
  const tableT = tf.transpose(encoder.itemTable());
  const state = encoder.lastHidden(encoder.encode(tf.tensor2d(history, [1, history.length], 'int32'), false));
  const top = tf.topk(tf.add(tf.reshape(tf.matMul(state, tableT), [-1]), tf.zeros([tableT.shape[1]!])), 10, true);
  const unit = tf.transpose(
    tf.div(encoder.itemTable(), tf.add(tf.norm(encoder.itemTable(), 'euclidean', 1, true), 1e-8)),
  );
  const sim = tf.matMul(tf.transpose(tf.slice(unit, [0, 5], [-1, 1])), unit);
  return [top.values, top.indices, sim];
});
await profile(() => explainByOcclusion(encoder, encoder.itemTable(), history, [1, 2, 3], history.length));
for (const optimizer of ['adam', 'sgd'] as const) {
  await profile(() =>
    fineTuneOnHistory(encoder, history, {
      steps: 2,
      learningRate: 0.001,
      negatives: 1024,
      rand: mulberry32(1),
      optimizer,
      federatedRows: [1, 2, 3],
    }),
  );
  await profile(() =>
    fineTuneOnHistory(encoder, history, {
      steps: 2,
      learningRate: 0.001,
      negatives: 1024,
      rand: mulberry32(1),
      optimizer,
      trainItemTable: true,
    }),
  );
}
const kernels = [...used].sort();
await writeFile('bench/custom-tfjs/kernels.json', JSON.stringify(kernels, null, 1));
console.log(`${kernels.length} kernels: ${kernels.join(' ')}`);
