import { dpFedAvgEpsilon } from '../../server/privacy/rdp-accountant.js';

/** Smallest noise multiplier whose epsilon after `rounds` rounds at sampling rate q stays within `epsilon` (binary search). */
export function noiseForEpsilon(epsilon: number, q: number, rounds: number, delta: number): number {
  let [lo, hi] = [0.05, 200];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (dpFedAvgEpsilon(q, mid, rounds, delta) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}
