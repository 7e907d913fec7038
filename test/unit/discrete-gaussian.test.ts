import { describe, expect, it } from 'vitest';
import {
  bernoulliExpNeg,
  discreteGaussian,
  discreteGaussianVector,
  exactRational,
  uniformBelow,
} from '../../protocol/privacy/discrete-gaussian.js';
import { ddgEpsilon, ddgRdp, ddgTau } from '../../server/privacy/ddg-accountant.js';

// Critical values of the chi-square distribution at p = 0.0001 (a correct sampler fails 1 run in 10,000).
const CHI2_1E4: Record<number, number> = { 1: 15.14, 12: 39.13 };

describe('exact discrete Gaussian sampler (Canonne, Kamath and Steinke 2020)', () => {
  it('draws uniform integers without bias and Bernoulli(exp(−γ)) at its probability', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[Number(uniformBelow(3n))]! += 1;
    expect(counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0)).toBeLessThan(18.42); // 2 dof
    for (const [num, den] of [
      [1n, 2n],
      [23n, 10n],
    ] as const) {
      const p = Math.exp(-Number(num) / Number(den));
      let hits = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) if (bernoulliExpNeg(num, den)) hits += 1;
      expect((hits - n * p) ** 2 / (n * p * (1 - p))).toBeLessThan(CHI2_1E4[1]!);
    }
  });

  it('matches N_Z(0, σ²): moments and a chi-square goodness of fit against the exact probabilities', () => {
    const variance = 4;
    const n = 20_000;
    const samples = discreteGaussianVector(n, variance);
    expect(samples.every(Number.isInteger)).toBe(true);
    const mean = samples.reduce((a, b) => a + b, 0) / n;
    const sampleVariance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    // Five standard errors: the mean's is σ/√n, the variance's σ²√(2/n).
    expect(Math.abs(mean)).toBeLessThan((5 * 2) / Math.sqrt(n));
    expect(Math.abs(sampleVariance - variance)).toBeLessThan(5 * variance * Math.sqrt(2 / n));
    // Bins -6..6, the tails folded into the end bins: 13 bins, 12 degrees of freedom.
    const weight = (x: number) => Math.exp(-(x * x) / (2 * variance));
    let z = 0;
    for (let x = -60; x <= 60; x++) z += weight(x);
    const expected = Array.from({ length: 13 }, (_, i) => i - 6).map((x) => {
      if (x === -6 || x === 6) {
        let tail = 0;
        for (let y = 6; y <= 60; y++) tail += weight(y);
        return (n * tail) / z;
      }
      return (n * weight(x)) / z;
    });
    const observed = expected.map(() => 0);
    for (const s of samples) observed[Math.max(-6, Math.min(6, s)) + 6]! += 1;
    const chi2 = observed.reduce((sum, o, i) => sum + (o - expected[i]!) ** 2 / expected[i]!, 0);
    expect(chi2).toBeLessThan(CHI2_1E4[12]!);
  });

  it('takes any positive double as its exact rational, and large variances too', () => {
    expect(exactRational(2.5)).toEqual({ num: 5n, den: 2n });
    expect(exactRational(0.1).den).toBe(2n ** 55n);
    expect(() => exactRational(0)).toThrow(RangeError);
    const big = discreteGaussianVector(2_000, 1e6);
    const v = big.reduce((a, b) => a + b * b, 0) / big.length;
    expect(Math.abs(v - 1e6)).toBeLessThan(5 * 1e6 * Math.sqrt(2 / 2_000));
    const { num, den } = exactRational(0.3);
    // A tiny variance is almost always 0 (P(±1) = e^{-1/0.6}/Z ≈ 0.16 each side).
    const zeros = Array.from({ length: 2_000 }, () => discreteGaussian(num, den)).filter((x) => x === 0n).length;
    expect(zeros / 2_000).toBeGreaterThan(0.6);
  });
});

describe('distributed discrete Gaussian accountant (Kairouz, Liu and Steinke 2021)', () => {
  // Values computed with the DDG functions of google-research/federated distributed_dp/accounting_utils.py
  // (_compute_rdp_discrete_gaussian_simplified, its τ, tensorflow_privacy's RDP → (ε, δ) conversion) at these parameters.
  const reference = [
    {
      l2: 210,
      n: 1000,
      v: 1,
      d: 50,
      steps: 1,
      delta: 1e-5,
      tau: 0.0005731282577500228,
      rdp2: 44.12865641288751,
      rdp10: 220.52865641288756,
      eps: 54.255287516737845,
    },
    {
      l2: 210,
      n: 5000,
      v: 250,
      d: 50,
      steps: 1,
      delta: 2e-4,
      tau: 0,
      rdp2: 0.03528,
      rdp10: 0.1764,
      eps: 0.5906902349658242,
    },
    {
      l2: 1,
      n: 10,
      v: 0.05,
      d: 4,
      steps: 3,
      delta: 1e-5,
      tau: 41.76855998941289,
      rdp2: 507.2227198729547,
      rdp10: 531.2227198729547,
      eps: 515.0244113529976,
    },
    {
      l2: 207.4,
      n: 5000,
      v: 80,
      d: 25,
      steps: 30,
      delta: 1e-6,
      tau: 0,
      rdp2: 3.2261070000000003,
      rdp10: 16.130535000000002,
      eps: 10.307603993163013,
    },
  ];

  it('gives the reference implementation values of τ, RDP and ε', () => {
    for (const r of reference) {
      const release = { l2Sensitivity: r.l2, clients: r.n, localVariance: r.v, dimension: r.d };
      expect(ddgTau(r.n, r.v)).toBeCloseTo(r.tau, 12);
      expect(r.steps * ddgRdp(2, release)).toBeCloseTo(r.rdp2, 9);
      expect(r.steps * ddgRdp(10, release)).toBeCloseTo(r.rdp10, 9);
      expect(ddgEpsilon(Array(r.steps).fill(release), r.delta).epsilon).toBeCloseTo(r.eps, 9);
    }
  });

  it('approaches the continuous Gaussian as the local noise grows (τ → 0)', () => {
    const release = { l2Sensitivity: 10, clients: 100, localVariance: 50, dimension: 1000 };
    expect(ddgTau(100, 50)).toBeLessThan(1e-200);
    expect(ddgRdp(8, release)).toBeCloseTo((8 * 100) / (2 * 100 * 50), 12);
  });
});
