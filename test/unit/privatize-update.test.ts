import { describe, expect, it } from 'vitest';
import {
  clientWeight,
  clipL2,
  gaussianNoise,
  maxClientWeight,
  privatizeUpdate,
  quantizationRange,
} from '../../protocol/privacy/privatize-update.js';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('DP-FedAvg client privatization', () => {
  it('clipping bounds every update to the clip norm and leaves small ones alone', () => {
    for (let trial = 0; trial < 200; trial++) {
      const scale = 10 ** ((trial % 5) - 2);
      const v = Float32Array.from(gaussianNoise(257), (x) => x * scale);
      const before = norm(v);
      clipL2(v, 1);
      expect(norm(v)).toBeLessThanOrEqual(1 + 1e-5);
      if (before <= 1) expect(norm(v)).toBeCloseTo(before, 5);
    }
  });

  it('noise has mean 0 and variance (z * clip)^2 / minSummands per coordinate', () => {
    const dp = { clip: 0.5, noiseMultiplier: 1.2, minSummands: 4 };
    const out = privatizeUpdate(new Float32Array(200_000), dp);
    const mean = out.reduce((s, x) => s + x, 0) / out.length;
    const variance = out.reduce((s, x) => s + (x - mean) ** 2, 0) / (out.length - 1);
    const expected = (dp.noiseMultiplier * dp.clip) ** 2 / dp.minSummands;
    // Standard error of the sample variance is expected * sqrt(2 / n) ~ 0.3% here; allow 2%.
    expect(Math.abs(variance / expected - 1)).toBeLessThan(0.02);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / out.length));
  });

  it('the sum of minSummands clients carries the full calibrated noise', () => {
    const dp = { clip: 1, noiseMultiplier: 0.8, minSummands: 5 };
    const sum = new Float64Array(50_000);
    for (let c = 0; c < dp.minSummands; c++)
      privatizeUpdate(new Float32Array(sum.length), dp).forEach((x, i) => (sum[i] = sum[i]! + x));
    const variance = sum.reduce((s, x) => s + x * x, 0) / sum.length;
    expect(Math.abs(variance / (dp.noiseMultiplier * dp.clip) ** 2 - 1)).toBeLessThan(0.03);
  });

  it('client weights (McMahan et al. 2018) scale the clipped update, stay within 1 under DP, and widen the quantization range', () => {
    expect(clientWeight(3, { examples: 0, cap: 1 })).toBe(1);
    expect(clientWeight(3, { examples: 6, cap: 1 })).toBe(0.5);
    expect(clientWeight(30, { examples: 6, cap: 1 })).toBe(1);
    expect(clientWeight(30, { examples: 6, cap: 2 })).toBe(2);
    expect(() => clientWeight(-1, { examples: 6, cap: 1 })).toThrow(RangeError);
    const big = Float32Array.from({ length: 100 }, () => 1);
    // Clipped first (norm 10 -> 2), then weighted: norm 2 * 0.5.
    expect(norm(privatizeUpdate(big, { clip: 2, noiseMultiplier: 0, minSummands: 2, weight: 0.5 }))).toBeCloseTo(1, 5);
    expect(norm(privatizeUpdate(big, { clip: 2, noiseMultiplier: 0, minSummands: 2, weight: 3 }))).toBeCloseTo(6, 4);
    // With noise, a weight above 1 would break the sensitivity the noise is calibrated to.
    expect(() => privatizeUpdate(big, { clip: 2, noiseMultiplier: 1, minSummands: 2, weight: 1.5 })).toThrow(
      RangeError,
    );
    expect(quantizationRange({ clip: 2, noiseMultiplier: 0, minSummands: 2 }, 3)).toBe(6);
    expect(maxClientWeight({ examples: 0, cap: 3 })).toBe(1);
    expect(maxClientWeight({ examples: 6, cap: 3 })).toBe(3);
  });
});
