import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { makeBatches, nextItemExamples, prefixExamples } from '../../models/train/batches.js';
import { federatedGradient } from '../../models/train/federated-gradient.js';
import { federatedPart, fineTuneOnHistory, flattenPart } from '../../models/train/local-finetune.js';
import { nextItemLoss } from '../../models/train/next-item-loss.js';

const N = 30;
const build = (filter: { lowFrequencies?: number; filterAlpha?: number } = {}) =>
  buildSasrec(
    { vocabSize: N + 1, maxLen: 10, hidden: 8, blocks: 1, heads: 1, dropout: 0, seed: 3, ...filter },
    { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) },
  ).encoder;
const FILTER = { lowFrequencies: 2, filterAlpha: 0.7 };
const rows = [2, 5, 9];
const history = [1, 4, 2, 5, 9, 3, 7];

describe('the FedSGD contribution (one gradient of the federated part)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('is minus the delta of one SGD step at learning rate 1, and leaves the model untouched', async () => {
    for (const [negatives, filter] of [
      [0, {}],
      [8, {}],
      [0, FILTER],
      [8, FILTER],
    ] as const) {
      const encoder = build(filter);
      const before = flattenPart(federatedPart(encoder, rows));
      const tensors = tf.memory().numTensors;
      const { gradient, loss } = await federatedGradient(encoder, history, {
        negatives,
        rand: mulberry32(4),
        federatedRows: rows,
      });
      expect(tf.memory().numTensors).toBe(tensors);
      expect(flattenPart(federatedPart(encoder, rows))).toEqual(before);
      expect(loss).toBeGreaterThan(0);
      const { delta, losses } = await fineTuneOnHistory(encoder, history, {
        steps: 1,
        learningRate: 1,
        optimizer: 'sgd',
        negatives,
        rand: mulberry32(4),
        federatedRows: rows,
      });
      expect(loss).toBeCloseTo(losses[0]!, 5);
      expect(gradient.length).toBe(delta.length);
      let norm = 0;
      for (let i = 0; i < delta.length; i++) {
        expect(gradient[i]!).toBeCloseTo(-delta[i]!, 5);
        norm += delta[i]! ** 2;
      }
      // Not vacuous: the item rows the history touched and the encoder all moved.
      expect(Math.sqrt(norm)).toBeGreaterThan(1e-3);
    }
  });

  it('with a frequency filter, is the gradient of one prefix per target, so no later item leaks into a state', async () => {
    const encoder = build(FILTER);
    const { gradient } = await federatedGradient(encoder, history, { negatives: 0, rand: mulberry32(1) });
    const vars = federatedPart(encoder).encoderVars;
    const [batch] = makeBatches(prefixExamples([history], 10), history.length, mulberry32(1));
    const { grads } = tf.variableGrads(() => tf.tidy(() => nextItemLoss(encoder, batch!, 0, mulberry32(1))), vars);
    const expected = tf.concat(vars.map((v) => tf.reshape(grads[v.name]!, [-1]))).dataSync();
    tf.dispose(grads);
    expect(gradient.length).toBe(expected.length);
    gradient.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 5));
    // Scoring the whole history at every position, as for a causal encoder, is another gradient:
    // the filter would let each position see the items after it.
    const [whole] = makeBatches(nextItemExamples([history], 10), 1, mulberry32(1));
    const leak = tf.variableGrads(() => tf.tidy(() => nextItemLoss(encoder, whole!, 0, mulberry32(1))), vars);
    const leaked = tf.concat(vars.map((v) => tf.reshape(leak.grads[v.name]!, [-1]))).dataSync();
    tf.dispose(leak.grads);
    expect(Math.max(...leaked.map((g, i) => Math.abs(g - expected[i]!)))).toBeGreaterThan(1e-3);
  });

  it('narrows to coordinates, and is zero for a history with nothing to predict', async () => {
    const encoder = build();
    const whole = (
      await federatedGradient(encoder, history, { negatives: 0, rand: mulberry32(1), federatedRows: rows })
    ).gradient;
    const coordinates = [0, 3, 40, whole.length - 1];
    const narrow = (
      await federatedGradient(encoder, history, {
        negatives: 0,
        rand: mulberry32(1),
        federatedRows: rows,
        federatedCoordinates: coordinates,
      })
    ).gradient;
    expect(Array.from(narrow)).toEqual(coordinates.map((c) => whole[c]));
    const none = await federatedGradient(encoder, [4], { negatives: 0, rand: mulberry32(1), federatedRows: rows });
    expect(none.gradient.length).toBe(whole.length);
    expect(none.gradient.every((g) => g === 0)).toBe(true);
  });
});
