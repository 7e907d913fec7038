import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalCases, leaveOneOut } from '../../models/data/leave-one-out.js';
import { centralizedCeiling } from '../../experiments/federated/centralized-ceiling.js';
import { centralizedFineTune } from '../../experiments/federated/centralized-fine-tune.js';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { ringWalk } from '../fixtures/ring-walk.js';

const N = 40;

describe('the centralized ceiling tunes its learning rate on validation', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('keeps the rate with the best validation NDCG@10, its weights exactly those of a run at that rate alone', async () => {
    // Dropout on: reset() must restart its stream for the runs to be comparable.
    const { encoder } = buildSasrec(
      { vocabSize: N + 1, maxLen: 10, hidden: 16, blocks: 1, heads: 1, dropout: 0.2, seed: 5 },
      { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) },
    );
    const start = encoder.getWeights().map((w) => tf.keep(tf.clone(w)));
    const reset = () => {
      encoder.setWeights(start);
      encoder.restartDropout();
    };
    const splits = leaveOneOut(Array.from({ length: 120 }, (_, u) => ringWalk(N, 1 + (u % N), 1 + (u % 3), 9)));
    const users = splits.map((s) => s.train);
    const validation = evalCases(splits, 'valid');
    const options = {
      maxEpochs: 2,
      patience: 8,
      federatedRows: Array.from({ length: N }, (_, i) => i + 1),
      seed: 3,
      reset,
    };
    const checked: number[] = [];
    const { chosen, trials } = await centralizedCeiling(encoder, users, validation, {
      ...options,
      learningRates: [0.00001, 0.03],
      onCheck: (lr) => checked.push(lr),
    });
    expect(trials.map((t) => t.learningRate)).toEqual([0.00001, 0.03]);
    expect(new Set(checked)).toEqual(new Set([0.00001, 0.03]));
    // The pattern is learnable: the larger rate gets further within two epochs, and is chosen.
    expect(trials[1]!.validNdcg).toBeGreaterThan(trials[0]!.validNdcg);
    expect(chosen).toEqual(trials[1]);
    const kept = encoder.getWeights().map((w) => Array.from(w.dataSync()));
    reset();
    const alone = await centralizedFineTune(encoder, users, validation, { ...options, learningRate: 0.03 });
    expect(alone).toEqual({ bestEpoch: chosen.bestEpoch, validNdcg: chosen.validNdcg });
    expect(encoder.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(kept);
  });

  it('refuses an empty or non-positive list of rates', async () => {
    const { encoder } = buildSasrec(
      { vocabSize: N + 1, maxLen: 10, hidden: 8, blocks: 1, heads: 1, dropout: 0, seed: 5 },
      { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) },
    );
    const options = { maxEpochs: 1, patience: 1, federatedRows: [1], seed: 1, reset: () => {} };
    await expect(centralizedCeiling(encoder, [], [], { ...options, learningRates: [] })).rejects.toThrow(
      /positive numbers/,
    );
    await expect(
      centralizedCeiling(encoder, [], [], { ...options, learningRates: [0.001, Number.NaN] }),
    ).rejects.toThrow(/positive numbers/);
  });
});
