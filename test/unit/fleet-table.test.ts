import { describe, expect, it } from 'vitest';
import { fleetSummary, fleetTable } from '../../experiments/federated/fleet-table.js';
import type { SimulationResult } from '../../experiments/federated/simulation-report.js';

const score = (ndcg: number) => ({ 'NDCG@10': ndcg, 'HR@10': 2 * ndcg });
const part = (seed: number, pre: number, extra: Partial<SimulationResult>): SimulationResult => ({
  pretrained: score(pre),
  settings: { seed },
  ...extra,
});
const ceiling = (n: number) => ({ centralized: { ...score(n), bestEpoch: 3 } });
const plain = (n: number) => ({ federated: { ...score(n), perRound: [n], selectedRound: 300 } });
const costs = (cohort: number, ms: number) => ({
  rounds: 60,
  meanCohort: cohort,
  secondsPerRound: 30,
  trainingMsPerClient: ms,
});
const dp = (n: number, epsilon: number) => ({
  federated_dp: {
    ...score(n),
    epsilon,
    delta: 1e-4,
    noiseMultiplier: 0.7,
    rounds: 60,
    perRound: [n],
    costs: costs(1000 - 100 * epsilon, 30 + epsilon),
  },
});

describe('the fleet table (issue #33) over seeds', () => {
  it('joins the parts of each seed, closes each gap against its own seed model, and sizes the gap against the spread', () => {
    const summary = fleetSummary([
      part(1, 0.02, ceiling(0.03)),
      part(1, 0.02, plain(0.029)),
      part(1, 0.02, dp(0.024, 7.9999)),
      part(1, 0.02, dp(0.021, 1)),
      part(2, 0.022, { ...ceiling(0.031), ...plain(0.031) }),
      part(2, 0.022, dp(0.0265, 8)),
    ]);
    expect(summary.settings.map((s) => s.setting)).toEqual([
      'seed model',
      'centralized ceiling',
      'federated, no DP',
      'federated, DP ε = 8',
      'federated, DP ε = 1',
    ]);
    const [seedModel, , noDp, eps8, eps1] = summary.settings;
    expect(seedModel!.mean['NDCG@10']).toBeCloseTo(0.021, 12);
    expect(seedModel!.sd['NDCG@10']).toBeCloseTo(Math.SQRT2 * 0.001, 12);
    // Seed 1 closes 0.009 of 0.010, seed 2 all of its 0.009: pooled 0.009 / 0.0095, not the mean of 90% and 100%.
    expect(noDp!.seeds.map((s) => s.share)).toEqual([expect.closeTo(0.9, 12), expect.closeTo(1, 12)]);
    expect(noDp!.pooledShare).toBeCloseTo(0.009 / 0.0095, 12);
    expect(eps8!.seeds.map((s) => s.share)).toEqual([expect.closeTo(0.4, 12), expect.closeTo(0.5, 12)]);
    expect(eps8!.seeds.map((s) => s.rounds)).toEqual([60, 60]);
    expect(eps1!.seeds).toHaveLength(1);
    // Costs average over the seeds that ran the setting: ε = 8's two runs, ε = 1's one.
    expect(eps8!.costs).toMatchObject({
      meanCohort: expect.closeTo(200, 1),
      trainingMsPerClient: expect.closeTo(38, 3),
    });
    expect(eps1!.costs).toMatchObject({ meanCohort: 900, trainingMsPerClient: 31 });
    expect(noDp!.costs).toBeUndefined();
    // Gaps 0.010 and 0.009: mean 0.0095; the seed model's spread (0.0014) is the largest noise.
    expect(summary.gap.mean).toBeCloseTo(0.0095, 12);
    expect(summary.gap.overNoise).toBeCloseTo(0.0095 / (Math.SQRT2 * 0.001), 9);
    const table = fleetTable(summary);
    expect(table).toContain(
      '| federated, no DP | 1, 2 | .0300 ± .0014 | .0600 ± .0028 | 95% | 90%, 100% | 300, 300 |  |  |  |',
    );
    expect(table).toContain(
      '| federated, DP ε = 8 | 1, 2 | .0253 ± .0018 | .0505 ± .0035 | 45% | 40%, 50% | 60, 60 | 200 | 30.0 | 38 |',
    );
    expect(table).toContain('| seed model | 1, 2 | .0210 ± .0014 | .0420 ± .0028 |  |  |  |  |  |  |');
    expect(table).toContain('the gap is 6.7x the largest');
  });

  it('keeps a run accounted for a larger fleet apart from the measured population at the same ε', () => {
    const extrapolated = dp(0.028, 8);
    const fleet = { federated_dp: { ...extrapolated.federated_dp, population: 212450, appliedNoiseMultiplier: 0.066 } };
    const summary = fleetSummary([part(1, 0.02, ceiling(0.03)), part(1, 0.02, dp(0.024, 8)), part(1, 0.02, fleet)]);
    expect(summary.settings.map((s) => s.setting)).toEqual([
      'seed model',
      'centralized ceiling',
      'federated, DP ε = 8',
      'federated, DP ε = 8, accounted for 212450 shoppers',
    ]);
    expect(summary.settings[3]!.seeds[0]!.share).toBeCloseTo(0.8, 12);
  });

  it('refuses files of one seed that disagree on the seed model, and a seed without one ceiling', () => {
    expect(() => fleetSummary([part(1, 0.02, ceiling(0.03)), part(1, 0.021, plain(0.03))])).toThrow(/disagree/);
    expect(() => fleetSummary([part(1, 0.02, plain(0.03))])).toThrow(/exactly one centralized/);
    expect(() => fleetSummary([part(1, 0.02, ceiling(0.03)), part(1, 0.02, ceiling(0.03))])).toThrow(/exactly one/);
  });
});
