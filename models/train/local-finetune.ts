import * as tf from '@tensorflow/tfjs-core';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { nextItemExamples, makeBatches } from './batches.js';
import { nextItemLoss } from './next-item-loss.js';

/**
 * The federated part of the model: every weight except the item table, i.e. the sequence
 * encoder (positions, attention, feed-forward, norms). Its update is dense and its size does
 * not grow with the catalog, and it carries no per-item rows, so it does not say which items
 * a shopper touched. About 53k floats for the shipped model, 212 KB as 32-bit words.
 */
export function federatedVariables(encoder: SasrecEncoder): tf.Variable[] {
  return encoder.trainableWeights.filter((w) => !w.name.endsWith('item_embedding')).map((w) => w.read() as tf.Variable);
}

/** Concatenates variables into one vector (in a fixed order). */
export function flattenVariables(vars: readonly tf.Variable[]): Float32Array {
  const total = vars.reduce((n, v) => n + v.size, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const v of vars) {
    out.set(v.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  return out;
}

/** Writes a vector produced by flattenVariables back into the variables. */
export function assignFlat(vars: readonly tf.Variable[], flat: Float32Array): void {
  const total = vars.reduce((n, v) => n + v.size, 0);
  if (flat.length !== total) throw new RangeError(`expected ${total} values, got ${flat.length}`);
  let offset = 0;
  for (const v of vars) {
    v.assign(tf.tensor(flat.subarray(offset, offset + v.size), v.shape, 'float32'));
    offset += v.size;
  }
}

/** Knobs of on-device fine-tuning. */
export interface FineTuneOptions {
  steps: number;
  learningRate: number;
  negatives: number;
  /** Uniform generator for negative sampling (seed it from crypto.getRandomValues on devices). */
  rand: () => number;
  /** Awaited between steps: the worker yields here so recommend() calls are served meanwhile. */
  between?: () => Promise<void>;
  /**
   * Also adapt the item table. Right for personalization that stays on the device; a federated
   * contribution leaves it frozen so its delta (the encoder only) says nothing about items.
   */
  trainItemTable?: boolean;
}

/**
 * Fine-tunes on one shopper's history, next-item loss at every position. Leaves the new weights
 * in place and returns the delta of the federated part (the encoder).
 */
export async function fineTuneOnHistory(encoder: SasrecEncoder, rows: readonly number[], options: FineTuneOptions): Promise<{ delta: Float32Array; losses: number[] }> {
  const vars = federatedVariables(encoder);
  const before = flattenVariables(vars);
  const examples = nextItemExamples([rows as number[]], encoder.cfg.maxLen);
  const losses: number[] = [];
  if (examples.length === 0) return { delta: new Float32Array(before.length), losses };
  const trained = options.trainItemTable ? encoder.trainableWeights.map((w) => w.read() as tf.Variable) : vars;
  const optimizer = tf.train.adam(options.learningRate);
  try {
    for (let step = 0; step < options.steps; step++) {
      const [batch] = makeBatches(examples, 1, options.rand);
      const cost = optimizer.minimize(() => tf.tidy(() => nextItemLoss(encoder, batch!, options.negatives, options.rand)), true, trained)!;
      losses.push((await cost.data())[0]!);
      cost.dispose();
      await options.between?.();
    }
  } finally {
    optimizer.dispose();
  }
  const after = flattenVariables(vars);
  return { delta: after.map((v, i) => v - before[i]!), losses };
}
