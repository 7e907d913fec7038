import { describe, expect, it } from 'vitest';
import { poolSeeds, poolTable } from '../../models/federated/seed-pool.js';
import type { SimulationResult } from '../../models/federated/simulation-report.js';

const score = (ndcg: number) => ({ 'NDCG@10': ndcg, 'HR@10': 2 * ndcg });
const seed = (s: number, pre: number, cen: number, fed?: number, dp?: number): SimulationResult => ({
  pretrained: score(pre),
  centralized: { ...score(cen), bestEpoch: 2 },
  ...(fed !== undefined && { federated: { ...score(fed), perRound: [fed] } }),
  ...(dp !== undefined && { federated_dp: { ...score(dp), epsilon: 8, delta: 1e-4, noiseMultiplier: 0.7, perRound: [dp] } }),
  settings: { seed: s },
});

describe('pooling simulation seeds', () => {
  it('reports the ratio of summed gains, each seed against its own pretrained model', () => {
    const pool = poolSeeds([seed(1, 0.036, 0.0376, 0.0367, 0.0357), seed(2, 0.035, 0.036, 0.0368)]);
    expect(pool.seeds.map((s) => s.seed)).toEqual([1, 2]);
    expect(pool.seeds[0]!.centralizedGain).toBeCloseTo(0.0016, 10);
    // (0.0007 + 0.0018) / (0.0016 + 0.0010), not the mean of 44% and 180%.
    expect(pool.federatedShare).toBeCloseTo(0.0025 / 0.0026, 10);
    // Only seed 1 ran with DP: its own ceiling is the denominator.
    expect(pool.federatedDpShare).toBeCloseTo(-0.0003 / 0.0016, 10);
    expect(poolTable(pool)).toContain('pooled share of the centralized gain: federated 96%, federated with DP -19%');
  });

  it('refuses what has no share (no ceiling, a seed twice, nothing) and reports none when the ceilings gain nothing', () => {
    expect(() => poolSeeds([{ ...seed(1, 0.036, 0.037, 0.0365), centralized: undefined }])).toThrow(/no centralized run/);
    const flat = poolSeeds([seed(1, 0.036, 0.035, 0.0365)]);
    expect(flat.federatedShare).toBeUndefined();
    expect(poolTable(flat)).toContain('pooled share of the centralized gain: federated n/a');
    expect(() => poolSeeds([seed(1, 0.036, 0.037, 0.0365), seed(1, 0.036, 0.037, 0.0365)])).toThrow(/once/);
    expect(() => poolSeeds([])).toThrow(/nothing/);
    expect(poolSeeds([seed(3, 0.036, 0.037)]).federatedShare).toBeUndefined();
  });
});
