/** The chance that an honest round's sum is rejected by {@link sumNormBound}: at most one in 10^9. */
export const FALSE_REJECTION = 1e-9;

/** What a round's honest survivors can add up to. */
export interface SumBoundParams {
  /** Survivors whose inputs are in the sum. */
  survivors: number;
  /** L2 clip norm of each update, and the largest client weight the deployment gives. */
  clip: number;
  maxWeight: number;
  /** DP noise multiplier z and the unmasking threshold t: each survivor adds N(0, (z clip)^2 / t) per value. */
  noiseMultiplier: number;
  threshold: number;
  /** Values in the vector, and the fixed-point units per 1.0 it was summed at. */
  length: number;
  scale: number;
}

/**
 * The largest L2 norm the unmasked sum of a round can have when every survivor followed the
 * protocol, except with probability FALSE_REJECTION: each survivor's clipped, weighted update
 * adds at most maxWeight * clip, rounding to fixed point at most sqrt(d) / (2 scale), and the
 * summed noise N ~ N(0, s^2 I) with s^2 = survivors z^2 clip^2 / t is bounded through
 * ||b + N||^2 = ||b||^2 + 2 <b, N> + ||N||^2, with <b, N> <= ||b|| s sqrt(2x) (Gaussian tail) and
 * ||N||^2 <= s^2 (d + 2 sqrt(d x) + 2x) (Laurent and Massart 2000), each failing with e^-x.
 * A participant that skips clipping is caught once its excess energy passes this slack; below
 * it a client can still move the model by up to the bound, like an honest one with a large update.
 */
export function sumNormBound(p: SumBoundParams): number {
  const signal = p.survivors * p.maxWeight * p.clip + (Math.sqrt(p.length) * p.survivors) / (2 * p.scale);
  const x = Math.log(2 / FALSE_REJECTION);
  const s2 = (p.survivors * (p.noiseMultiplier * p.clip) ** 2) / p.threshold;
  const noise2 = s2 * (p.length + 2 * Math.sqrt(p.length * x) + 2 * x);
  return Math.sqrt(signal ** 2 + 2 * signal * Math.sqrt(s2 * 2 * x) + noise2);
}

/** L2 norm of a vector, in double precision. */
export function l2Norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return Math.sqrt(sum);
}
