import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalCases, leaveOneOut } from '../../models/data/leave-one-out.js';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { federatedPart, flattenPart } from '../../models/train/local-finetune.js';
import { runExactRounds } from '../../experiments/federated/exact-rounds.js';
import { type FederatedRunOptions, runFederated } from '../../experiments/federated/simulation.js';
import { ringWalk } from '../fixtures/ring-walk.js';

const N = 40;

/** A one-block encoder over N items, and `count` ring-walk shoppers split leave-one-out. */
const tiny = (hidden: number, count: number) => ({
  encoder: buildSasrec(
    { vocabSize: N + 1, maxLen: 10, hidden, blocks: 1, heads: 1, dropout: 0, seed: 5 },
    { modelId: 't', modelVersion: '1', itemIds: Array.from({ length: N }, (_, i) => `i${i + 1}`) },
  ).encoder,
  splits: leaveOneOut(Array.from({ length: count }, (_, u) => ringWalk(N, 1 + (u % N), 1 + (u % 3), 9))),
});

/** Three noise-free FedSGD rounds: each client sends its gradient clipped at 1. */
const FED_SGD = {
  clientsPerRound: 0,
  rounds: 3,
  noiseMultiplier: 0,
  clip: 1,
  localSteps: 1,
  localLearningRate: 1,
  localOptimizer: 'sgd',
} as const;

describe('exact aggregation computes what secure aggregation does', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('gives the same model bit for bit as rounds through the real server and SecAgg+, with Poisson sampling and dropouts', async () => {
    const { encoder, splits } = tiny(16, 60);
    const start = encoder.getWeights().map((w) => tf.keep(tf.clone(w)));
    const users = splits.map((s) => s.train);
    const cases = evalCases(splits, 'test');
    const federatedRows = Array.from({ length: 12 }, (_, i) => i + 1);
    const options: FederatedRunOptions = {
      ...FED_SGD,
      federatedRows,
      serverOptimizer: 'fedadam',
      serverLearningRate: 0.01,
      seed: 11,
      // About 18 a round, a fifth of them leaving at random phases; clip 1 binds for some clients.
      participation: { rate: 0.3, maxCohort: 40, dropout: 0.2 },
    };
    const final = async (run: typeof runFederated | typeof runExactRounds) => {
      encoder.setWeights(start);
      const { test } = await run(encoder, users, cases, options);
      expect(test).toHaveLength(3);
      return { params: flattenPart(federatedPart(encoder, federatedRows)), ndcg: test.map((m) => m['NDCG@10']) };
    };
    const secagg = await final(runFederated);
    const exact = await final(runExactRounds);
    const initial = (encoder.setWeights(start), flattenPart(federatedPart(encoder, federatedRows)));
    // The rounds moved the model, and both ways to the same place.
    expect(secagg.params.some((v, i) => v !== initial[i])).toBe(true);
    expect(Array.from(exact.params)).toEqual(Array.from(secagg.params));
    expect(exact.ndcg).toEqual(secagg.ndcg);
    // Stopped after round 1 and started again on its checkpoint: the same rounds, the same model.
    const dir = join(await mkdtemp(join(tmpdir(), 'pocketrank-exact-')), 'run');
    encoder.setWeights(start);
    const paused = await runExactRounds(encoder, users, cases, { ...options, checkpoint: dir, pauseAfter: 1 });
    expect(paused.finished).toBe(false);
    encoder.setWeights(start);
    const resumed = await runExactRounds(encoder, users, cases, { ...options, checkpoint: dir });
    expect(resumed.test.map((m) => m['NDCG@10'])).toEqual(exact.ndcg);
    expect(Array.from(flattenPart(federatedPart(encoder, federatedRows)))).toEqual(Array.from(exact.params));
    // Another run's settings are refused, not mixed in.
    await expect(runExactRounds(encoder, users, cases, { ...options, clip: 2, checkpoint: dir })).rejects.toThrow(
      /other settings/,
    );
  }, 120_000);

  it('aborts the rounds the server would: a SecAgg+ neighbourhood short of shares, though the cohort keeps its threshold', async () => {
    const { encoder, splits } = tiny(8, 300);
    const run = await runExactRounds(
      encoder,
      splits.map((s) => s.train),
      evalCases(splits, 'test').slice(0, 20),
      {
        ...FED_SGD,
        federatedRows: [1, 2],
        serverOptimizer: 'fedavg',
        serverLearningRate: 1,
        seed: 3,
        // Degree 8 at 0.8: 8 of a client's 9 share holders must answer, so two leaving nearby refuse;
        // the cohort of ~250 keeps ~85%, above its threshold of 80%.
        thresholdFraction: 0.8,
        neighbors: 8,
        participation: { rate: 0.85, maxCohort: 1000, dropout: 0.15 },
      },
    );
    expect(run.aborted).toBe(3);
    expect(run.costs.every((c) => c.aborted && c.trained === 0)).toBe(true);
  }, 60_000);
});
