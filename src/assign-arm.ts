import type { ExperimentArm } from '../contract/experiment-types.js';

/** A uniform number in [0, 1) with 53 random bits from the platform CSPRNG. */
export function cryptoUniform(): number {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return ((words[0]! >>> 5) * 67108864 + (words[1]! >>> 6)) / 9007199254740992;
}

/**
 * Draws an arm with probability proportional to its weight (default 1). Randomness comes from
 * WebCrypto, never `Math.random`: an assignment a script on the page could predict or steer
 * would bias the measured lift.
 */
export function assignArm(arms: readonly ExperimentArm[], uniform: () => number = cryptoUniform): string {
  const weights = arms.map((arm) => arm.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  let u = uniform() * total;
  for (let i = 0; i < arms.length; i++) {
    if (weights[i]! > 0 && u < weights[i]!) return arms[i]!.name;
    u -= weights[i]!;
  }
  // Rounding at the very top of the range: the last arm that takes devices.
  return arms.filter((_, i) => weights[i]! > 0).at(-1)!.name;
}
