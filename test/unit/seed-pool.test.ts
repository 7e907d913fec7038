import { describe, expect, it } from 'vitest';
import { poolSeeds, poolTable } from '../../experiments/federated/seed-pool.js';
import type { SimulationResult } from '../../experiments/federated/simulation-report.js';

const score = (ndcg: number) => ({ 'NDCG@10': ndcg, 'HR@10': 2 * ndcg });
const seed = (s: number, pre: number, cen: number, fed?: number, dp?: number): SimulationResult => ({
  pretrained: score(pre),
  centralized: { ...score(cen), bestEpoch: 2 },
  ...(fed !== undefined && { federated: { ...score(fed), perRound: [fed] } }),
  ...(dp !== undefined && {
    federated_dp: { ...score(dp), epsilon: 8, delta: 1e-4, noiseMultiplier: 0.7, perRound: [dp] },
  }),
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
    // Margins over 90% of each seed's ceiling: 0.0007 - 0.00144 and 0.0018 - 0.0009.
    expect(pool.federatedMargin!.target).toBe(0.9);
    expect(pool.federatedMargin!.mean).toBeCloseTo((-0.00074 + 0.0009) / 2, 10);
    expect(pool.federatedMargin!.standardError).toBeCloseTo(Math.abs(-0.00074 - 0.0009) / 2, 10);
    expect(poolTable(pool)).toContain(
      "federated: gain minus 90% of the ceiling's, mean over seeds +0.00008 ± 0.00082 (standard error; 0.1 standard errors above the target)",
    );
    expect(poolTable(pool)).toMatch(/^2 .* of its ceiling: federated 180%, DP n\/a$/m);
    // One seed with DP: no spread to report.
    expect(pool.federatedDpMargin).toBeUndefined();
  });

  it('puts a pooled share that clears its target by less than its spread in standard errors', () => {
    // DP gains 0.0004, 0.0009, 0.0001 against ceilings 0.0016, 0.0010, 0.0003: margins -0.0004, +0.0004, -0.00005.
    const pool = poolSeeds([
      seed(1, 0.036, 0.0376, undefined, 0.0364),
      seed(2, 0.035, 0.036, undefined, 0.0359),
      seed(3, 0.034, 0.0343, undefined, 0.0341),
    ]);
    expect(pool.federatedDpShare).toBeCloseTo(0.0014 / 0.0029, 10);
    const m = pool.federatedDpMargin!;
    expect(m.target).toBe(0.5);
    expect(m.mean).toBeCloseTo(-0.00005 / 3, 10);
    const sd = Math.sqrt([-0.0004, 0.0004, -0.00005].reduce((sum, v) => sum + (v + 0.00005 / 3) ** 2, 0) / 2);
    expect(m.standardError).toBeCloseTo(sd / Math.sqrt(3), 10);
    expect(poolTable(pool)).toMatch(
      /federated with DP: gain minus 50% of the ceiling's, mean over seeds -0\.00002 ± 0\.00023 \(standard error; 0\.1 standard errors below the target\)/,
    );
    expect(pool.federatedMargin).toBeUndefined();
  });

  it('refuses what has no share (no ceiling, a seed twice, nothing) and reports none when the ceilings gain nothing', () => {
    expect(() => poolSeeds([{ ...seed(1, 0.036, 0.037, 0.0365), centralized: undefined }])).toThrow(
      /no centralized run/,
    );
    const flat = poolSeeds([seed(1, 0.036, 0.035, 0.0365)]);
    expect(flat.federatedShare).toBeUndefined();
    expect(poolTable(flat)).toContain('pooled share of the centralized gain: federated n/a');
    expect(() => poolSeeds([seed(1, 0.036, 0.037, 0.0365), seed(1, 0.036, 0.037, 0.0365)])).toThrow(/once/);
    expect(() => poolSeeds([])).toThrow(/nothing/);
    expect(poolSeeds([seed(3, 0.036, 0.037)]).federatedShare).toBeUndefined();
  });
});
