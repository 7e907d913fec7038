import { discreteGaussianVector } from '../privacy/discrete-gaussian.js';
import { countSensitivity, type CounterLayout } from './counter-vector.js';

/**
 * A device's counter vector with its share of the distributed discrete Gaussian, as integers
 * mod 2^32 ready for masking: N_Z(0, localVariance) per coordinate, drawn exactly (BigInt, from
 * the CSPRNG), so the sum the server unmasks carries the noise of the analysis to the integer.
 * A vector past the L2 bound the noise is calibrated to is refused, not clipped: it is a bug.
 */
export function privatizeCounts(layout: CounterLayout, vector: readonly number[], localVariance: number): Uint32Array {
  if (!vector.every((v) => Number.isSafeInteger(v) && v >= 0))
    throw new RangeError('counter vectors hold non-negative integers');
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  const bound = countSensitivity(layout).l2;
  if (norm > bound + 1e-9) throw new RangeError(`the counter vector's L2 norm ${norm} exceeds its bound ${bound}`);
  if (!(localVariance > 0)) throw new RangeError(`the round's local variance must be > 0; got ${localVariance}`);
  const noise = discreteGaussianVector(vector.length, localVariance);
  return Uint32Array.from(vector, (v, i) => (v + noise[i]!) >>> 0);
}
