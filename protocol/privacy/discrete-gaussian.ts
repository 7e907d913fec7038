/**
 * Exact samplers of the discrete Gaussian N_Z(0, σ²) (Canonne, Kamath and Steinke, "The Discrete
 * Gaussian for Differential Privacy", NeurIPS 2020, Algorithms 1 to 3), for the distributed
 * discrete Gaussian (Kairouz, Liu and Steinke, ICML 2021): each client adds integer noise to its
 * integer vector before masking, and the sum in the masks' ring carries the noise of the analysis
 * exactly. Only uniform integers from the platform CSPRNG and exact rational arithmetic (BigInt)
 * are used: no floating point touches a sample, so the guarantee holds for the integers sent.
 */

/** A uniform integer in [0, m) from WebCrypto, by rejection (no modulo bias). */
export function uniformBelow(m: bigint): bigint {
  if (m <= 0n) throw new RangeError('uniformBelow needs m > 0');
  if (m === 1n) return 0n;
  const bits = (m - 1n).toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  const buffer = new Uint8Array(bytes);
  for (;;) {
    crypto.getRandomValues(buffer);
    let x = 0n;
    for (const b of buffer) x = (x << 8n) | BigInt(b);
    x &= mask;
    if (x < m) return x;
  }
}

/** True with probability num/den (0 ≤ num ≤ den). */
export function bernoulli(num: bigint, den: bigint): boolean {
  return uniformBelow(den) < num;
}

/** True with probability exp(−num/den), num/den ≥ 0 (Algorithm 1). */
export function bernoulliExpNeg(num: bigint, den: bigint): boolean {
  if (num < 0n || den <= 0n) throw new RangeError('bernoulliExpNeg needs num >= 0 and den > 0');
  if (num > den) {
    // exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)).
    for (let i = 0n; i < num / den; i++) if (!bernoulliExpNeg(1n, 1n)) return false;
    return bernoulliExpNeg(num % den, den);
  }
  // γ ≤ 1: draw Bernoulli(γ/k) for k = 1, 2, ... until the first failure; true when it came at an odd k.
  let k = 1n;
  while (bernoulli(num, den * k)) k += 1n;
  return k % 2n === 1n;
}

/** The discrete Laplace with P(x) ∝ exp(−|x|/t), t a positive integer (Algorithm 2 with s = 1). */
export function discreteLaplace(t: bigint): bigint {
  for (;;) {
    const u = uniformBelow(t);
    if (!bernoulliExpNeg(u, t)) continue;
    let v = 0n;
    while (bernoulliExpNeg(1n, 1n)) v += 1n;
    const y = u + t * v;
    const negative = bernoulli(1n, 2n);
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** ⌊√n⌋ for n ≥ 0, exactly. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** A positive finite double as the exact rational it is (num / 2^k). */
export function exactRational(value: number): { num: bigint; den: bigint } {
  if (!(value > 0 && Number.isFinite(value))) throw new RangeError('the variance must be a positive finite number');
  let den = 1n;
  let scaled = value;
  // A double has at most 1074 fractional bits; doubling is exact until it is an integer.
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    den *= 2n;
  }
  return { num: BigInt(scaled), den };
}

/** One sample of N_Z(0, σ²) for σ² = num/den (Algorithm 3: discrete Laplace proposals, exact rejection). */
export function discreteGaussian(num: bigint, den: bigint): bigint {
  const t = isqrt(num / den) + 1n;
  for (;;) {
    const y = discreteLaplace(t);
    const abs = y < 0n ? -y : y;
    // Accept with probability exp(−(|y| − σ²/t)² / (2σ²)) = exp(−(|y|·t·den − num)² / (2·num·den·t²)).
    const gap = abs * t * den - num;
    if (bernoulliExpNeg(gap * gap, 2n * num * den * t * t)) return y;
  }
}

/** `length` independent samples of N_Z(0, variance), as integers. */
export function discreteGaussianVector(length: number, variance: number): number[] {
  const { num, den } = exactRational(variance);
  return Array.from({ length }, () => Number(discreteGaussian(num, den)));
}
