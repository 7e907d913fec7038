/**
 * The real `n × n` matrix P with P·x = irfft(rfft(x) keeping only bins 0..bins−1), row-major:
 * BSARec's low-pass filter as one product, so it runs on every tfjs backend (WASM has no FFT
 * kernel) and its gradient is a plain matMul. P is circulant and symmetric: P[t][s] depends on
 * (t − s) mod n, so the newest `len` rows and columns are the same filter applied to a window
 * left-padded with zeros, which is what lets training skip the padding.
 */
export function lowPassMatrix(n: number, bins: number): Float32Array {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(bins) && bins >= 0 && bins <= Math.floor(n / 2) + 1))
    throw new Error(`lowPassMatrix: need integers n ≥ 1 and 0 ≤ bins ≤ ${Math.floor(n / 2) + 1}; got ${n}, ${bins}`);
  // Bin 0 (and bin n/2 for even n) appears once in the inverse transform; every other kept bin
  // stands for itself and its mirror image, hence twice.
  const weight = (k: number) => (k === 0 || 2 * k === n ? 1 : 2);
  const byDistance = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    let sum = 0;
    for (let k = 0; k < bins; k++) sum += weight(k) * Math.cos((2 * Math.PI * k * d) / n);
    byDistance[d] = sum / n;
  }
  const out = new Float32Array(n * n);
  for (let t = 0; t < n; t++) for (let s = 0; s < n; s++) out[t * n + s] = byDistance[(t - s + n) % n]!;
  return out;
}
