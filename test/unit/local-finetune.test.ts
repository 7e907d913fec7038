import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { rankOfTarget } from '../../models/eval/metrics.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { makeBatches, nextItemExamples } from '../../models/train/batches.js';
import { federatedPart, fineTuneOnHistory, flattenPart } from '../../models/train/local-finetune.js';
import { nextItemLoss } from '../../models/train/next-item-loss.js';
import { ringWalk } from '../fixtures/ring-walk.js';

const N = 40;

describe('on-device fine-tuning', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it("moves a model trained on the crowd towards one shopper's own pattern, item table untouched", async () => {
    const { encoder } = buildSasrec(
      { vocabSize: N + 1, maxLen: 20, hidden: 16, blocks: 1, heads: 1, dropout: 0, seed: 5 },
      { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) },
    );
    const rand = mulberry32(9);
    // The crowd walks the ring one step at a time.
    const crowd = Array.from({ length: 200 }, (_, u) => ringWalk(N, 1 + (u % N), 1, 12));
    const optimizer = tf.train.adam(0.02);
    const vars = encoder.trainableWeights.map((w) => w.read() as tf.Variable);
    for (let epoch = 0; epoch < 8; epoch++) {
      for (const batch of makeBatches(nextItemExamples(crowd, 20), 32, rand)) {
        optimizer.minimize(() => tf.tidy(() => nextItemLoss(encoder, batch, 0, rand)), false, vars);
      }
    }
    // This shopper keeps coming back to three products in a cycle the crowd never follows.
    const cycle = [7, 3, 11];
    const history = Array.from({ length: 8 }, (_, i) => cycle[i % 3]!);
    const target = cycle[8 % 3]!;
    const rank = async () => {
      const [scores] = await sasrecScorer(encoder).scoreBatch([{ user: 0, history, target }]);
      return rankOfTarget(scores!, target, new Set(history));
    };
    const before = await rank();
    const table = encoder.itemTable().dataSync().slice();
    // Federated contribution: encoder only, the item table stays as it was.
    let yields = 0;
    const contribution = await fineTuneOnHistory(encoder, history, {
      steps: 10,
      learningRate: 0.01,
      negatives: 0,
      rand,
      between: async () => void yields++,
    });
    expect(yields).toBe(10);
    expect(contribution.delta.length).toBe(flattenPart(federatedPart(encoder)).length);
    expect(contribution.delta.some((d) => d !== 0)).toBe(true);
    expect(contribution.losses[contribution.losses.length - 1]!).toBeLessThan(contribution.losses[0]!);
    expect(encoder.itemTable().dataSync()).toEqual(table);
    // With federated rows, exactly those rows of the table move (all of them, dense), no others.
    const federatedRows = [3, 7, 20];
    const withRows = await fineTuneOnHistory(encoder, history, {
      steps: 3,
      learningRate: 0.01,
      negatives: 0,
      rand,
      federatedRows,
    });
    const part = federatedPart(encoder, federatedRows);
    expect(withRows.delta.length).toBe(part.size);
    const hidden = encoder.cfg.hidden;
    const tableNow = encoder.itemTable().dataSync();
    for (let r = 0; r < tableNow.length / hidden; r++) {
      const moved = tableNow.slice(r * hidden, (r + 1) * hidden).some((v, j) => v !== table[r * hidden + j]);
      // A full softmax (negatives: 0) gives every row a gradient: only the listed ones may keep it.
      expect(moved, `row ${r}`).toBe(federatedRows.includes(r));
    }
    // Personalization on the device: everything adapts, and the shopper's next item climbs.
    const personal = await fineTuneOnHistory(encoder, history, {
      steps: 40,
      learningRate: 0.01,
      negatives: 0,
      rand,
      trainItemTable: true,
    });
    const after = await rank();
    expect(before).toBeGreaterThan(3);
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThanOrEqual(2);
    expect(personal.losses[personal.losses.length - 1]!).toBeLessThan(personal.losses[0]!);
  }, 60_000);
});
