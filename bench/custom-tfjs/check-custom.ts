/** Runs pocketrank's workload on the custom tfjs build only: a missing kernel throws here. */
import * as tf from '@tensorflow/tfjs-core';
import './custom-tfjs.js';
import { mulberry32 } from '../../models/data/rng.js';
import { evaluate } from '../../models/eval/evaluate.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { fineTuneOnHistory } from '../../models/train/local-finetune.js';
import { explainByOcclusion } from '../../worker/explain-ranking.js';

if (!(await tf.setBackend('wasm'))) throw new Error('wasm did not start');
const encoder = findEncoder(await loadModelFromDisk('models/beauty/model.json'))!;
const history = Array.from({ length: 20 }, (_, i) => 100 + i);
const { metrics } = await evaluate(sasrecScorer(encoder), [{ user: 0, history, target: 300 }]);
explainByOcclusion(encoder, encoder.itemTable(), history, [1, 2, 3], history.length);
for (const optimizer of ['adam', 'sgd'] as const)
  await fineTuneOnHistory(encoder, history, {
    steps: 2,
    learningRate: 0.001,
    negatives: 1024,
    rand: mulberry32(1),
    optimizer,
    federatedRows: [1, 2],
  });
console.log(
  JSON.stringify({ ok: true, kernels: tf.getKernelsForBackend('wasm').length, metrics: Object.keys(metrics).length }),
);
