import { epsilonFromRdp, RDP_ORDERS } from './rdp-accountant.js';

/**
 * Accountant of the distributed discrete Gaussian (Kairouz, Liu and Steinke, "The Distributed
 * Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation", ICML 2021): each
 * of `clients` clients adds N_Z(0, localVariance) to its integer vector, and the server sees only
 * the sum. The sum is not exactly a discrete Gaussian; τ (their Theorem 1) bounds how far it is,
 * and it vanishes quickly as the local variance grows. Every client contributes to every
 * release (no subsampling): analytics rounds take every opted-in device once per period.
 */

/** τ = 10 Σ_{k=1}^{n−1} exp(−2π²σ² k/(k+1)), σ² the local variance in integer units. */
export function ddgTau(clients: number, localVariance: number): number {
  let tau = 0;
  for (let k = 1; k < clients; k++) tau += Math.exp(-2 * Math.PI ** 2 * localVariance * (k / (k + 1)));
  return 10 * tau;
}

/** Parameters of one release of a sum under the distributed discrete Gaussian. */
export interface DdgRelease {
  /** L2 norm bound of one client's (integer) contribution. */
  l2Sensitivity: number;
  clients: number;
  /** Variance of each client's noise, per coordinate. */
  localVariance: number;
  /** Coordinates of the vector. */
  dimension: number;
}

/**
 * RDP of order α of one release (their Proposition 14, the bound without the L1 term):
 * min(α s²/2 + τ d, (α/2)(s + √d τ)²), with s = Δ₂ / √(n σ²) the sensitivity over the noise of the sum.
 */
export function ddgRdp(order: number, release: DdgRelease): number {
  const { l2Sensitivity, clients, localVariance, dimension } = release;
  const s = l2Sensitivity / Math.sqrt(clients * localVariance);
  const tau = ddgTau(clients, localVariance);
  return Math.min((order * s * s) / 2 + tau * dimension, (order / 2) * (s + Math.sqrt(dimension) * tau) ** 2);
}

/** (ε, δ) after a sequence of releases (RDP adds up over releases). */
export function ddgEpsilon(releases: readonly DdgRelease[], delta: number): { epsilon: number; order: number } {
  const rdp = RDP_ORDERS.map((order) => releases.reduce((sum, r) => sum + ddgRdp(order, r), 0));
  return epsilonFromRdp(rdp, delta);
}

/**
 * The smallest local variance (to 0.1%) at which one release by `clients` clients of a
 * `dimension`-long vector with L2 bound `l2Sensitivity` spends at most `epsilon` at `delta`:
 * the server sets it for an analytics round once the round's threshold, the fewest clients
 * whose noise the sum may carry, is known.
 */
export function ddgLocalVarianceFor(
  epsilon: number,
  delta: number,
  release: Omit<DdgRelease, 'localVariance'>,
): number {
  if (!(epsilon > 0 && delta > 0 && delta < 1)) throw new RangeError('need epsilon > 0 and 0 < delta < 1');
  const spent = (localVariance: number) => ddgEpsilon([{ ...release, localVariance }], delta).epsilon;
  let high = 1;
  while (spent(high) > epsilon) high *= 4;
  let low = high / 4;
  while (high / low > 1.001) {
    const mid = Math.sqrt(low * high);
    if (spent(mid) > epsilon) low = mid;
    else high = mid;
  }
  return high;
}
