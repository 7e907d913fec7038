import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { publicSubspaceBasis } from '../../models/federated/public-subspace-basis.js';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { nextItemTargetCount } from '../../models/train/batches.js';
import { federatedGradient } from '../../models/train/federated-gradient.js';
import { projectOntoSubspace, publicSubspace } from '../../server/rounds/public-subspace.js';
import { clientWeight, clipL2 } from '../../worker/federated/privatize-update.js';

const N = 30;
const build = () => buildSasrec({ vocabSize: N + 1, maxLen: 10, hidden: 8, blocks: 1, heads: 1, dropout: 0, seed: 3 }, { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) }).encoder;
const rows = [2, 5, 9];
const rand = mulberry32(11);
const histories = Array.from({ length: 40 }, () => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => 1 + Math.floor(rand() * N)));
const options = { rank: 4, federatedRows: rows, clip: 1, weighting: { examples: 4, cap: 1 }, seed: 7 };

describe('public subspace basis: the top principal directions of public contributions', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('is orthonormal, repeatable, leaves the weights alone, and holds more of the contributions than any random subspace of its rank', async () => {
    const encoder = build();
    const before = encoder.getWeights().map((w) => Array.from(w.dataSync()));
    const basis = await publicSubspaceBasis(encoder, histories, options);
    encoder.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(before[i]));
    expect(Array.from(await publicSubspaceBasis(encoder, histories, options))).toEqual(Array.from(basis));
    // The contributions as clients send them: clipped, then weighted.
    const contributions = await Promise.all(
      histories.map(async (h, i) => {
        const { gradient } = await federatedGradient(encoder, h, { negatives: 1024, rand: mulberry32(options.seed + i), federatedRows: rows });
        clipL2(gradient, options.clip);
        const w = clientWeight(nextItemTargetCount(h, encoder.cfg.maxLen), options.weighting);
        return gradient.map((v) => v * w);
      }),
    );
    const length = contributions[0]!.length;
    const subspace = publicSubspace(basis, length); // throws unless orthonormal
    expect(subspace.rank).toBe(4);
    const energy = (s: ReturnType<typeof publicSubspace>) => contributions.reduce((sum, c) => sum + projectOntoSubspace(s, c).reduce((a, v) => a + v * v, 0), 0);
    const total = contributions.reduce((sum, c) => sum + c.reduce((a, v) => a + v * v, 0), 0);
    const captured = energy(subspace);
    // PCA's optimality: no rank-4 subspace holds more, e.g. random ones inside a few users' span.
    for (let seed = 1; seed <= 3; seed++) {
      const random = await publicSubspaceBasis(encoder, histories.slice(0, 5), { ...options, seed: 100 + seed, iterations: 0 });
      expect(captured).toBeGreaterThan(energy(publicSubspace(random, length)));
    }
    expect(captured / total).toBeGreaterThan(0.5);
  });

  it('needs more public users than its rank, and a positive integer rank', async () => {
    const encoder = build();
    await expect(publicSubspaceBasis(encoder, histories.slice(0, 4), options)).rejects.toThrow(/more than 4 public users/);
    await expect(publicSubspaceBasis(encoder, histories, { ...options, rank: 0 })).rejects.toThrow(/positive integer/);
  });
});
