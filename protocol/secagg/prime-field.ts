/**
 * Arithmetic in GF(p) for p = 2^521 - 1, a Mersenne prime: large enough that every 256-bit
 * secret (a mask seed or a P-256 private key) is one field element, so one Shamir sharing
 * carries it whole. BigInt, because correctness matters more than speed at a few hundred
 * shares per round.
 */
export const P = (1n << 521n) - 1n;

/** Reduces into [0, p). */
export function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

/**
 * Multiplicative inverse by the extended Euclidean algorithm; throws on 0. Seven times faster
 * than Fermat's a^(p-2) here (0.15 vs 1.1 ms at 521 bits), and the server inverts once per
 * client it unmasks. Its running time depends on `a`, which is fine for what it inverts: Lagrange
 * denominators built from public client indices, never a secret.
 */
export function inverse(a: bigint): bigint {
  let [r0, r1] = [P, mod(a)];
  if (r1 === 0n) throw new RangeError('0 has no inverse');
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return mod(t0);
}

/**
 * Inverses of many elements for the price of one (Montgomery's trick): prefix products, one
 * inversion, then back-substitution. An inversion is the costly step and the server rebuilds
 * one secret per client: with a different share set per neighbourhood in SecAgg+, this keeps
 * it to one inversion per client.
 */
export function batchInverse(values: readonly bigint[]): bigint[] {
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const v of values) {
    if (mod(v) === 0n) throw new RangeError('0 has no inverse');
    prefix.push(acc);
    acc = mod(acc * v);
  }
  let inv = inverse(acc);
  const out = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = mod(inv * prefix[i]!);
    inv = mod(inv * values[i]!);
  }
  return out;
}

/** Big-endian bytes to an integer. */
export function bytesToBigInt(bytes: Uint8Array<ArrayBuffer>): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** An integer to exactly `length` big-endian bytes; throws when it does not fit. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array<ArrayBuffer> {
  if (value < 0n || value >= 1n << BigInt(8 * length)) throw new RangeError(`value does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A uniform field element from the platform CSPRNG (64 spare bits make the modulo bias < 2^-64). */
export function randomElement(): bigint {
  return mod(bytesToBigInt(crypto.getRandomValues(new Uint8Array(74))));
}
