import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../../protocol/privacy/privatize-update.js';
import { l2Norm, sumNormBound } from '../../server/rounds/influence-bound.js';

const D = 4096;
const params = { survivors: 20, clip: 1, maxWeight: 1, noiseMultiplier: 1, threshold: 14, length: D, scale: 1e6 };

/** The sum of `n` worst-case honest updates (all at the clip, all aligned) plus their noise shares. */
function honestSum(extra?: Float64Array): Float64Array {
  const sum = new Float64Array(D);
  const std = (params.noiseMultiplier * params.clip) / Math.sqrt(params.threshold);
  for (let c = 0; c < params.survivors; c++) {
    const noise = gaussianNoise(D);
    for (let j = 0; j < D; j++) sum[j]! += params.clip / Math.sqrt(D) + std * noise[j]!;
  }
  if (extra) for (let j = 0; j < D; j++) sum[j]! += extra[j]!;
  return sum;
}

describe('sumNormBound', () => {
  it('lets every honest worst-case sum through; under DP noise it catches an extra update of half the bound (43 times the clip here), not less', () => {
    const bound = sumNormBound(params);
    const honest = Array.from({ length: 200 }, () => l2Norm(honestSum()));
    expect(Math.max(...honest)).toBeLessThan(bound);
    // The slack above the largest honest norm is what one cheater can add unseen; a tenth of the bound is caught.
    const attack = Float64Array.from({ length: D }, (_, j) => ((j % 2 ? 1 : -1) * (0.5 * bound)) / Math.sqrt(D));
    const caught = Array.from({ length: 50 }, () => l2Norm(honestSum(attack)) > bound);
    expect(caught.every(Boolean)).toBe(true);
  });

  it('is exact arithmetic without noise: n clipped updates plus rounding', () => {
    const bound = sumNormBound({ ...params, noiseMultiplier: 0 });
    expect(bound).toBeCloseTo(20 + (Math.sqrt(D) * 20) / 2e6, 9);
  });
});
