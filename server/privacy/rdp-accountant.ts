/**
 * Rényi-DP accountant for the sampled Gaussian mechanism (Mironov 2017; Mironov, Talwar and
 * Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism", Sec. 3.3), as
 * DP-FedAvg uses it: each round samples clients with probability q and adds Gaussian noise of
 * standard deviation z * clip to the sum. Integer orders only, which gives a valid (slightly
 * conservative) bound.
 */

/** Orders at which RDP is tracked. */
export const RDP_ORDERS: readonly number[] = [
  ...Array.from({ length: 63 }, (_, i) => i + 2),
  80,
  96,
  128,
  160,
  192,
  256,
];

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

function logBinomial(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * RDP at integer order `alpha` of one step of the sampled Gaussian mechanism with sampling
 * probability q and noise multiplier z: log(A_alpha) / (alpha - 1) with
 * A_alpha = sum_k C(alpha, k) (1-q)^(alpha-k) q^k exp((k^2 - k) / (2 z^2)).
 */
export function sampledGaussianRdp(q: number, z: number, alpha: number): number {
  if (!Number.isInteger(alpha) || alpha < 2) throw new RangeError('integer orders >= 2 only');
  if (!(q >= 0 && q <= 1) || !(z >= 0)) throw new RangeError('need 0 <= q <= 1 and z >= 0');
  if (q === 0) return 0;
  if (z === 0) return Infinity;
  if (q === 1) return alpha / (2 * z * z);
  let logA = -Infinity;
  for (let k = 0; k <= alpha; k++) {
    logA = logAdd(
      logA,
      logBinomial(alpha, k) + k * Math.log(q) + (alpha - k) * Math.log1p(-q) + (k * k - k) / (2 * z * z),
    );
  }
  return logA / (alpha - 1);
}

/** RDP of `steps` compositions at each order. */
export function composedRdp(q: number, z: number, steps: number, orders: readonly number[] = RDP_ORDERS): number[] {
  return orders.map((alpha) => steps * sampledGaussianRdp(q, z, alpha));
}

/**
 * The smallest epsilon at the given delta over all orders, with the conversion of Canonne,
 * Kamath and Steinke (2020) / Balle et al. (2020):
 * eps = rdp + log((alpha - 1) / alpha) - (log(delta) + log(alpha)) / (alpha - 1).
 */
export function epsilonFromRdp(
  rdp: readonly number[],
  delta: number,
  orders: readonly number[] = RDP_ORDERS,
): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError('delta must be in (0, 1)');
  let best = { epsilon: Infinity, order: orders[0]! };
  orders.forEach((alpha, i) => {
    const r = rdp[i]!;
    if (!Number.isFinite(r)) return;
    const eps = Math.max(0, r + Math.log1p(-1 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1));
    if (eps < best.epsilon) best = { epsilon: eps, order: alpha };
  });
  return best;
}

/** Epsilon spent after `rounds` rounds of DP-FedAvg. */
export function dpFedAvgEpsilon(q: number, z: number, rounds: number, delta: number): number {
  return epsilonFromRdp(composedRdp(q, z, rounds), delta).epsilon;
}
