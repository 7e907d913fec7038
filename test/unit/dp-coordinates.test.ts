import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { dpCoordinatesFor } from '../../models/train/dp-coordinates.js';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { assignPart, federatedPart, fineTuneOnHistory, flattenPart } from '../../models/train/local-finetune.js';

const N = 30;
const build = () =>
  buildSasrec(
    { vocabSize: N + 1, maxLen: 10, hidden: 8, blocks: 1, heads: 1, dropout: 0, seed: 3 },
    { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) },
  ).encoder;
const rows = [2, 5, 9];

describe('federating a subset of the vector (DP deployments)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('reads and writes only the listed positions; the others return to the values the part was taken with', () => {
    const encoder = build();
    const whole = flattenPart(federatedPart(encoder, rows));
    const coordinates = [0, 7, 100, whole.length - 1];
    const part = federatedPart(encoder, rows, coordinates);
    expect(part.size).toBe(4);
    expect(Array.from(flattenPart(part))).toEqual(coordinates.map((c) => whole[c]));
    // Some other update moved every weight (as local training does) ...
    assignPart(
      federatedPart(encoder, rows),
      whole.map((v) => v + 1),
    );
    // ... assigning the subset writes the subset and puts every other position back.
    assignPart(part, Float32Array.from([9, 8, 7, 6]));
    const after = flattenPart(federatedPart(encoder, rows));
    for (let i = 0; i < whole.length; i++) {
      const at = coordinates.indexOf(i);
      expect(after[i]).toBe(at >= 0 ? [9, 8, 7, 6][at] : whole[i]);
    }
    expect(() => federatedPart(encoder, rows, [3, 3])).toThrow(RangeError);
    expect(() => federatedPart(encoder, rows, [whole.length])).toThrow(RangeError);
    expect(() => assignPart(part, new Float32Array(5))).toThrow(RangeError);
  });

  it('a contribution narrowed to coordinates is exactly those positions of the whole delta', async () => {
    const encoder = build();
    const start = encoder.getWeights().map((w) => tf.clone(w));
    const history = [1, 4, 2, 5, 9, 3];
    const full = await fineTuneOnHistory(encoder, history, {
      steps: 2,
      learningRate: 0.1,
      negatives: 0,
      rand: mulberry32(1),
      federatedRows: rows,
      optimizer: 'sgd',
    });
    encoder.setWeights(start);
    const coordinates = [1, 2, 50, 60, full.delta.length - 2];
    const narrow = await fineTuneOnHistory(encoder, history, {
      steps: 2,
      learningRate: 0.1,
      negatives: 0,
      rand: mulberry32(1),
      federatedRows: rows,
      federatedCoordinates: coordinates,
      optimizer: 'sgd',
    });
    expect(Array.from(narrow.delta)).toEqual(coordinates.map((c) => full.delta[c]));
  });

  it('ranks positions by public clipped gradients: the requested share, ascending, repeatable, weights untouched', async () => {
    const encoder = build();
    const before = flattenPart(federatedPart(encoder, rows));
    const publicSeqs = Array.from({ length: 12 }, (_, u) =>
      Array.from({ length: 6 }, (_, i) => ((u * 7 + i * 3) % N) + 1),
    );
    const options = { fraction: 0.05, federatedRows: rows, clip: 1, seed: 4 };
    const picked = await dpCoordinatesFor(encoder, publicSeqs, options);
    expect(picked.length).toBe(Math.round(before.length * 0.05));
    expect(picked.every((c, i) => i === 0 || c > picked[i - 1]!)).toBe(true);
    expect(await dpCoordinatesFor(encoder, publicSeqs, options)).toEqual(picked);
    expect(flattenPart(federatedPart(encoder, rows))).toEqual(before);
    // The picked positions carry more of the public gradient than the same number of others.
    const energy = new Float64Array(before.length);
    for (const seq of publicSeqs) {
      const { delta } = await fineTuneOnHistory(encoder, seq, {
        steps: 1,
        learningRate: 1,
        negatives: 0,
        rand: mulberry32(0),
        federatedRows: rows,
        optimizer: 'sgd',
      });
      assignPart(federatedPart(encoder, rows), before);
      delta.forEach((v, i) => (energy[i]! += v * v));
    }
    const mean = (idx: number[]) => idx.reduce((s, i) => s + energy[i]!, 0) / idx.length;
    const others = Array.from(energy.keys()).filter((i) => !picked.includes(i));
    expect(mean(picked)).toBeGreaterThan(5 * mean(others));
    await expect(dpCoordinatesFor(encoder, publicSeqs, { ...options, fraction: 0 })).rejects.toThrow(RangeError);
  });
});
