import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../data/rng.js';
import { packHistories } from '../eval/sasrec-scorer.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { ContentEncoder } from './content-encoder.js';
import { contentTokens, hashedFeatures, type ItemContent } from './content-features.js';

/** Options of the ranking objective. */
export interface RankingFitOptions {
  /** Training positions (user state, next item) sampled from the sequences. */
  positions?: number;
  steps?: number;
  batch?: number;
  learningRate?: number;
  /** Share of items that stand in as new in each step (their trained row replaced by their content row). */
  dropRate?: number;
  seed?: number;
}

/**
 * Trains the content encoder on the sequence model's own objective, starting from `start` (the
 * ridge fit): in each step a random share of the items stand in as new products (their rows
 * replaced by their content rows, DropoutNet-style), and the encoder is moved so that the trained
 * model's user states rank the true next item first among all items, trained and content rows
 * together. So content rows land on the scale of trained rows, instead of shrunk toward the mean.
 * Gradients are written out (no autograd): tfjs's transposed matMul is slow on WASM.
 * @param sequences training sequences of model rows (validation and test items left out)
 * @param items content of every model row (`items[row - 1]`)
 */
export async function trainContentEncoder(
  model: SasrecEncoder,
  sequences: readonly number[][],
  items: readonly ItemContent[],
  start: ContentEncoder,
  options: RankingFitOptions = {},
): Promise<{ encoder: ContentEncoder; losses: number[] }> {
  const { positions = 16384, steps = 400, batch = 512, learningRate = 0.003, dropRate = 0.5 } = options;
  const rand = mulberry32(options.seed ?? 42);
  const { maxLen, vocabSize, hidden } = model.cfg;
  const buckets = start.buckets;
  // (history, next item) pairs from random cut points of random sequences.
  const usable = sequences.filter((s) => s.length >= 2);
  const histories: number[][] = [];
  const targets = new Int32Array(positions);
  for (let p = 0; p < positions; p++) {
    const seq = usable[Math.floor(rand() * usable.length)]!;
    const cut = 1 + Math.floor(rand() * (seq.length - 1));
    histories.push(seq.slice(Math.max(0, cut - maxLen), cut));
    targets[p] = seq[cut]!;
  }
  const states = new Float32Array(positions * hidden);
  for (let b = 0; b < positions; b += 256) {
    const chunk = histories.slice(b, b + 256);
    const len = Math.max(...chunk.map((h) => h.length));
    const out = tf.tidy(() =>
      model.lastHidden(model.encode(tf.tensor2d(packHistories(chunk, len), [chunk.length, len], 'int32'), false)),
    );
    states.set((await out.data()) as Float32Array, b * hidden);
    out.dispose();
  }
  // Dense features of every row (row 0, padding, has none).
  const dense = new Float32Array(vocabSize * buckets);
  items.forEach((item, i) => {
    const { indices, values } = hashedFeatures(contentTokens(item), buckets);
    indices.forEach((j, k) => (dense[(i + 1) * buckets + j] = values[k]!));
  });
  const X = tf.tensor2d(dense, [vocabSize, buckets]);
  const XT = tf.transpose(X);
  const E = tf.tidy(() => model.itemTable().clone());
  const W = tf.variable(tf.tensor2d(start.weights, [buckets, hidden]));
  const m = tf.variable(tf.tensor1d(start.mean));
  const optimizer = tf.train.adam(learningRate);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const rows = Array.from({ length: batch }, () => Math.floor(rand() * positions));
    const S = tf.tensor2d(
      Float32Array.from(rows.flatMap((p) => Array.from(states.subarray(p * hidden, (p + 1) * hidden)))),
      [batch, hidden],
    );
    const mask = new Float32Array(vocabSize);
    for (let r = 1; r < vocabSize; r++) mask[r] = rand() < dropRate ? 1 : 0;
    const y = Int32Array.from(rows, (p) => targets[p]!);
    const grads = tf.tidy(() => {
      const M = tf.tensor2d(mask, [vocabSize, 1]);
      const C = tf.add(tf.matMul(X, W), m);
      const mixed = tf.add(tf.mul(M, C), tf.mul(tf.sub(1, M), E));
      const logits = tf.matMul(S, tf.transpose(mixed));
      const probs = tf.softmax(logits);
      const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), vocabSize);
      losses.push(tf.mean(tf.neg(tf.sum(tf.mul(onehot, tf.log(tf.add(probs, 1e-9))), 1))).dataSync()[0]!);
      const dLogits = tf.div(tf.sub(probs, onehot), batch);
      const dC = tf.mul(M, tf.matMul(tf.transpose(dLogits), S));
      return { W: tf.keep(tf.matMul(XT, dC)), m: tf.keep(tf.sum(dC, 0)) };
    });
    optimizer.applyGradients([
      { name: W.name, tensor: grads.W },
      { name: m.name, tensor: grads.m },
    ]);
    tf.dispose([S, grads.W, grads.m]);
  }
  const encoder = new ContentEncoder(
    buckets,
    hidden,
    (await m.data()) as Float32Array,
    (await W.data()) as Float32Array,
  );
  tf.dispose([X, XT, E, W, m]);
  optimizer.dispose();
  return { encoder, losses };
}
