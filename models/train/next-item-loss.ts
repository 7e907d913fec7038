import * as tf from '@tensorflow/tfjs-core';
import { embeddingLookup } from '../sasrec/embedding-lookup.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { trainMatMul } from '../sasrec/train-matmul.js';
import type { Batch } from './batches.js';

// Large negative logit that zeroes a softmax weight.
const MASKED = -1e4;

/**
 * Cross-entropy of the next item against the whole catalog (`negatives` = 0) or against the
 * target plus `negatives` items sampled uniformly and shared by the batch (sampled softmax;
 * with uniform sampling the logQ correction is a constant and drops out). Either beats per-item
 * binary cross-entropy by a wide margin on Beauty. Only non-padding positions are scored; every
 * gather uses the scatter-gradient lookup because the WASM backend has no UnsortedSegmentSum.
 */
export function nextItemLoss(encoder: SasrecEncoder, batch: Batch, negatives: number, rand: () => number): tf.Scalar {
  const real: number[] = [];
  const targets: number[] = [];
  batch.targets.forEach((t, i) => {
    if (t !== 0) {
      real.push(i);
      targets.push(t);
    }
  });
  const { vocabSize, hidden } = encoder.cfg;
  const ids = tf.tensor2d(batch.inputs, [batch.size, batch.len], 'int32');
  const states = tf.reshape(encoder.encode(ids, true), [batch.size * batch.len, hidden]) as tf.Tensor2D;
  const h = embeddingLookup(states, tf.tensor1d(real, 'int32'), true) as tf.Tensor2D;
  const table = encoder.itemTable();
  const targetLogit = tf.sum(tf.mul(h, embeddingLookup(table, tf.tensor1d(targets, 'int32'), true)), 1);
  let logits: tf.Tensor2D;
  if (negatives <= 0 || negatives >= vocabSize - 1) {
    const padding = tf.tensor1d(Array.from({ length: vocabSize }, (_, i) => (i === 0 ? MASKED : 0)));
    logits = tf.add(trainMatMul(h, tf.transpose(table)), padding);
  } else {
    const sampled = Int32Array.from({ length: negatives }, () => 1 + Math.floor(rand() * (vocabSize - 1)));
    const negTable = embeddingLookup(table, tf.tensor1d(sampled, 'int32'), true) as tf.Tensor2D;
    // A sampled "negative" that is the position's own target is not a negative: mask it out.
    const hits = new Float32Array(real.length * negatives);
    targets.forEach((t, r) =>
      sampled.forEach((n, c) => {
        if (n === t) hits[r * negatives + c] = MASKED;
      }),
    );
    const negLogits = tf.add(trainMatMul(h, tf.transpose(negTable)), tf.tensor2d(hits, [real.length, negatives]));
    logits = tf.concat([tf.expandDims(targetLogit, 1), negLogits], 1) as tf.Tensor2D;
  }
  return tf.mean(tf.sub(tf.logSumExp(logits, 1), targetLogit));
}
