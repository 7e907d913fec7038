import { describe, expect, it } from 'vitest';
import {
  composedRdp,
  dpFedAvgEpsilon,
  epsilonFromRdp,
  sampledGaussianRdp,
} from '../../server/privacy/rdp-accountant.js';

describe('RDP accountant for the sampled Gaussian mechanism', () => {
  it('matches the reference RDP values of Google dp_accounting (rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian)', () => {
    // q = 0.01, noise multiplier 2.5, 50 steps; reference at orders 5, 50, 100: 2.1808e-3, 2.3846e-2, 1.6742e+2.
    const rdp = composedRdp(0.01, 2.5, 50, [5, 50, 100]);
    expect(rdp[0]! / 2.1808e-3).toBeCloseTo(1, 3);
    expect(rdp[1]! / 2.3846e-2).toBeCloseTo(1, 3);
    expect(rdp[2]! / 1.6742e2).toBeCloseTo(1, 3);
  });

  it('converts RDP to (epsilon, delta) as the reference does (test_compute_epsilon_delta_pure_dp: 1.32783806176 at order 32)', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const { epsilon, order } = epsilonFromRdp(
      orders.map(() => 1.1),
      1e-5,
      orders,
    );
    expect(epsilon).toBeCloseTo(1.32783806176, 8);
    expect(order).toBe(32);
  });

  it('reduces to the Gaussian mechanism without sampling and is monotone in rounds and noise', () => {
    expect(sampledGaussianRdp(1, 2, 10)).toBeCloseTo(10 / 8, 12);
    expect(sampledGaussianRdp(0, 2, 10)).toBe(0);
    const a = dpFedAvgEpsilon(0.1, 1, 100, 1e-5);
    expect(dpFedAvgEpsilon(0.1, 1, 200, 1e-5)).toBeGreaterThan(a);
    expect(dpFedAvgEpsilon(0.1, 2, 100, 1e-5)).toBeLessThan(a);
  });
});
