import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../data/leave-one-out.js';
import { mulberry32 } from '../data/rng.js';
import { evaluate } from '../eval/evaluate.js';
import type { Metrics } from '../eval/metrics.js';
import { sasrecScorer } from '../eval/sasrec-scorer.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { fineTuneOnHistory } from '../train/local-finetune.js';

/**
 * What on-device personalization (no server) does for each user's own next item: for every case,
 * start from the shared weights, fine-tune the whole model on that user's history alone (as
 * `personalize()` does in the worker), score the held-out item; compare with the shared model.
 */
export async function personalizationGain(encoder: SasrecEncoder, shared: readonly tf.Tensor[], cases: readonly EvalCase[], options: { steps: number; learningRate: number; seed: number }): Promise<{ users: number; before: Metrics; after: Metrics }> {
  encoder.setWeights(shared as tf.Tensor[]);
  const before = (await evaluate(sasrecScorer(encoder), cases)).metrics;
  const sums: Record<string, number> = {};
  let counted = 0;
  for (const [i, c] of cases.entries()) {
    encoder.setWeights(shared as tf.Tensor[]);
    await fineTuneOnHistory(encoder, c.history, { steps: options.steps, learningRate: options.learningRate, negatives: 1024, rand: mulberry32(options.seed + i), trainItemTable: true });
    const { metrics } = await evaluate(sasrecScorer(encoder), [c]);
    for (const [k, v] of Object.entries(metrics)) sums[k] = (sums[k] ?? 0) + v;
    counted++;
  }
  encoder.setWeights(shared as tf.Tensor[]);
  const after = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / counted])) as Metrics;
  return { users: counted, before, after };
}
