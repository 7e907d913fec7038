import { batchInverse, bigIntToBytes, bytesToBigInt, mod, randomElement } from './prime-field.js';

/** One share: the polynomial evaluated at a client's public, non-zero index. */
export interface Share {
  x: number;
  y: bigint;
}

/** Secret size carried by one sharing: 32 bytes (mask seeds, P-256 private keys). */
export const SECRET_BYTES = 32;

/**
 * t-of-n Shamir sharing of a 32-byte secret: a random polynomial of degree t-1 with the
 * secret as constant term, coefficients from crypto.getRandomValues. Any t shares recover
 * the secret; t-1 shares are independent of it.
 */
export function shareSecret(secret: Uint8Array<ArrayBuffer>, threshold: number, xs: readonly number[]): Share[] {
  if (secret.length !== SECRET_BYTES) throw new RangeError(`secrets are ${SECRET_BYTES} bytes`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > xs.length)
    throw new RangeError(`threshold ${threshold} must be in 1..${xs.length}`);
  if (new Set(xs).size !== xs.length || xs.some((x) => !Number.isInteger(x) || x < 1))
    throw new RangeError('share indices must be distinct positive integers');
  const coefficients = [bytesToBigInt(secret), ...Array.from({ length: threshold - 1 }, randomElement)];
  return xs.map((x) => {
    // Horner's rule from the highest coefficient down.
    let y = 0n;
    for (let i = coefficients.length - 1; i >= 0; i--) y = mod(y * BigInt(x) + coefficients[i]!);
    return { x, y };
  });
}

// Lagrange weights depend only on which indices answered, and every secret of a round is
// rebuilt from the same survivors: compute them once per index set.
const weightCache = new Map<string, bigint[]>();

/** Lagrange basis weights at x = 0 for the given share indices. */
export function lagrangeAtZero(xs: readonly number[]): bigint[] {
  const key = xs.join(',');
  let weights = weightCache.get(key);
  if (!weights) {
    const nums: bigint[] = [];
    const dens: bigint[] = [];
    xs.forEach((xi, i) => {
      let num = 1n;
      let den = 1n;
      xs.forEach((xj, j) => {
        if (i === j) return;
        num = mod(num * BigInt(-xj));
        den = mod(den * BigInt(xi - xj));
      });
      nums.push(num);
      dens.push(den);
    });
    const inverses = batchInverse(dens);
    weights = nums.map((num, i) => mod(num * inverses[i]!));
    if (weightCache.size > 64) weightCache.clear();
    weightCache.set(key, weights);
  }
  return weights;
}

/**
 * Recovers the secret from at least `threshold` shares by Lagrange interpolation at 0.
 * Throws on too few or duplicate shares, and when the result is not a 32-byte secret (forged shares).
 */
export function reconstructSecret(shares: readonly Share[], threshold: number): Uint8Array<ArrayBuffer> {
  if (shares.length < threshold) throw new RangeError(`need ${threshold} shares, got ${shares.length}`);
  const used = [...shares].sort((a, b) => a.x - b.x).slice(0, threshold);
  if (new Set(used.map((s) => s.x)).size !== used.length) throw new RangeError('duplicate share index');
  const weights = lagrangeAtZero(used.map((s) => s.x));
  let secret = 0n;
  used.forEach((s, i) => (secret = mod(secret + s.y * weights[i]!)));
  return bigIntToBytes(secret, SECRET_BYTES);
}
