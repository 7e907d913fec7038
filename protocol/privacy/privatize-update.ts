/**
 * Client-side privatization for DP-FedAvg (McMahan et al. 2018) with distributed noise: each
 * client clips its update to L2 norm `clip` and adds its share of Gaussian noise, so that the
 * sum of any `minSummands` or more clients carries noise of standard deviation at least
 * `noiseMultiplier * clip`. Secure aggregation then hides everything but that noisy sum, so
 * the server never sees an un-noised aggregate.
 */

/** Scales `update` in place so its L2 norm is at most `clip`; returns the norm before clipping. */
export function clipL2(update: Float32Array, clip: number): number {
  let sq = 0;
  for (const v of update) sq += v * v;
  const norm = Math.sqrt(sq);
  if (norm > clip) {
    const s = clip / norm;
    for (let i = 0; i < update.length; i++) update[i] = update[i]! * s;
  }
  return norm;
}

/** Standard normal samples from the platform CSPRNG (Box-Muller on 53-bit uniforms in (0, 1)). */
export function gaussianNoise(length: number): Float64Array {
  const out = new Float64Array(length);
  const words = new Uint32Array(4 * Math.ceil(length / 2));
  // getRandomValues fills at most 64 KiB per call.
  for (let i = 0; i < words.length; i += 16_384) crypto.getRandomValues(words.subarray(i, i + 16_384));
  const uniform = (i: number) => ((words[i]! >>> 5) * 67108864 + (words[i + 1]! >>> 6) + 0.5) / 9007199254740992;
  for (let i = 0, w = 0; i < length; i += 2, w += 4) {
    const r = Math.sqrt(-2 * Math.log(uniform(w)));
    const theta = 2 * Math.PI * uniform(w + 2);
    out[i] = r * Math.cos(theta);
    if (i + 1 < length) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/** DP parameters of a round, as the server announces them. */
export interface DpParams {
  clip: number;
  noiseMultiplier: number;
  /** Fewest clients whose noise shares make up the sum (the unmasking threshold). */
  minSummands: number;
  /**
   * This client's weight (see clientWeight), applied after clipping; at most 1 whenever noise is
   * added, so no client moves the sum by more than `clip`. Default 1.
   */
  weight?: number;
}

/** How a deployment weighs clients: `examples` 0 weighs all alike; otherwise by their data, up to `cap`. */
export interface ClientWeighting {
  examples: number;
  cap: number;
}

/**
 * DP-FedAvg's bounded client weight (McMahan et al. 2018): min(examples / weighting.examples, cap),
 * so the mean over a cohort weighs shoppers by their data as a centralized batch weighs its
 * examples (measured in the model card: uniform weights lose most of the centralized gain).
 */
export function clientWeight(examples: number, weighting: ClientWeighting): number {
  if (!(examples >= 0) || !(weighting.examples >= 0) || !(weighting.cap > 0))
    throw new RangeError(`bad client weighting: ${examples} examples, ${JSON.stringify(weighting)}`);
  return weighting.examples === 0 ? 1 : Math.min(examples / weighting.examples, weighting.cap);
}

/** The largest weight clientWeight can give under `weighting` (it sizes the fixed-point range). */
export function maxClientWeight(weighting: ClientWeighting): number {
  return weighting.examples === 0 ? 1 : weighting.cap;
}

/**
 * Clips and adds this client's noise share N(0, (z * clip)^2 / minSummands) per coordinate.
 * Returns a new array; the input is not modified.
 */
export function privatizeUpdate(update: Float32Array, dp: DpParams): Float32Array {
  const weight = dp.weight ?? 1;
  if (!(weight >= 0) || (dp.noiseMultiplier > 0 && weight > 1))
    throw new RangeError(`client weight ${weight} is outside [0, ${dp.noiseMultiplier > 0 ? 1 : 'inf'})`);
  const out = Float32Array.from(update);
  clipL2(out, dp.clip);
  if (weight !== 1) for (let i = 0; i < out.length; i++) out[i] = out[i]! * weight;
  if (dp.noiseMultiplier > 0) {
    const std = (dp.noiseMultiplier * dp.clip) / Math.sqrt(dp.minSummands);
    const noise = gaussianNoise(out.length);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + std * noise[i]!;
  }
  return out;
}

/**
 * Fixed-point range per coordinate for a round: a clipped update weighted by at most
 * `maxWeight` has no coordinate above `maxWeight * clip`, and a noise share exceeds six standard
 * deviations with probability ~2e-9.
 */
export function quantizationRange(dp: DpParams, maxWeight = 1): number {
  return maxWeight * dp.clip + (6 * dp.noiseMultiplier * dp.clip) / Math.sqrt(dp.minSummands);
}
