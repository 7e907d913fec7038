import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { federatedGradient } from '../../models/train/federated-gradient.js';
import { federatedPart, fineTuneOnHistory, flattenPart } from '../../models/train/local-finetune.js';

const N = 30;
const build = () =>
  buildSasrec(
    { vocabSize: N + 1, maxLen: 10, hidden: 8, blocks: 1, heads: 1, dropout: 0, seed: 3 },
    { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) },
  ).encoder;
const rows = [2, 5, 9];
const history = [1, 4, 2, 5, 9, 3, 7];

describe('the FedSGD contribution (one gradient of the federated part)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('is minus the delta of one SGD step at learning rate 1, and leaves the model untouched', async () => {
    for (const negatives of [0, 8]) {
      const encoder = build();
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
