import { describe, expect, it } from 'vitest';
import { assignArm } from '../../src/assign-arm.js';
import { validateExperiments } from '../../src/validate-experiments.js';

/** Pearson's chi-square statistic of observed counts against expected shares. */
function chiSquare(counts: number[], shares: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((sum, c, i) => sum + (c - n * shares[i]!) ** 2 / (n * shares[i]!), 0);
}

function draw(weights: (number | undefined)[], n: number): number[] {
  const arms = weights.map((weight, i) => ({ name: `arm-${i}`, ...(weight !== undefined && { weight }) }));
  const counts = weights.map(() => 0);
  for (let i = 0; i < n; i++) counts[Number(assignArm(arms).slice(4))]! += 1;
  return counts;
}

describe('experiment arms', () => {
  it('assigns arms in proportion to their weights, from the CSPRNG (chi-square at p = 0.0001)', () => {
    // Critical values of the chi-square distribution at p = 0.0001 (a correct draw fails 1 run in 10,000): 15.14 (1 dof), 18.42 (2 dof).
    expect(chiSquare(draw([1, 3], 20_000), [0.25, 0.75])).toBeLessThan(15.14);
    expect(chiSquare(draw([undefined, 1, 2], 20_000), [0.25, 0.25, 0.5])).toBeLessThan(18.42);
  });

  it('never assigns an arm of weight 0, and the top of the range goes to the last arm that takes devices', () => {
    expect(draw([0, 1, 0], 2_000)).toEqual([0, 2_000, 0]);
    const arms = [{ name: 'a' }, { name: 'b' }, { name: 'paused', weight: 0 }];
    expect(assignArm(arms, () => 0)).toBe('a');
    expect(assignArm(arms, () => 1 - 2 ** -53)).toBe('b');
  });

  it('refuses malformed experiments with invalid_argument, naming what is wrong', () => {
    const arms = [{ name: 'control', scenario: 'trending' }, { name: 'personal' }];
    expect(validateExperiments([{ id: 'lift', arms }])).toEqual([{ id: 'lift', arms }]);
    expect(validateExperiments(undefined)).toEqual([]);
    const cases: [unknown, RegExp][] = [
      [{ id: 'lift', arms }, /must be an array/],
      [[{ id: 'no spaces', arms }], /needs an id/],
      [
        [
          { id: 'lift', arms },
          { id: 'lift', arms },
        ],
        /"lift" is used twice/,
      ],
      [[{ id: 'lift', arms: arms.slice(0, 1) }], /needs from 2 to 16 arms/],
      [[{ id: 'lift', arms: [{ name: 'a' }, { name: 'a' }] }], /two arms named "a"/],
      [[{ id: 'lift', arms: [{ name: 'a', weight: -1 }, { name: 'b' }] }], /finite weight >= 0/],
      [
        [
          {
            id: 'lift',
            arms: [
              { name: 'a', weight: 0 },
              { name: 'b', weight: 0 },
            ],
          },
        ],
        /no arm with a weight above 0/,
      ],
      [[{ id: 'lift', arms: [{ name: 'a', scenario: 'similar' }, { name: 'b' }] }], /may serve for-you, trending/],
      [[null], /needs an id/],
    ];
    for (const [raw, message] of cases) {
      let thrown: unknown;
      try {
        validateExperiments(raw);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(raw)).toMatchObject({
        code: 'invalid_argument',
        message: expect.stringMatching(message),
      });
    }
  });
});
