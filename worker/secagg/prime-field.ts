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

/** a^e mod p by square-and-multiply. */
export function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

/** Multiplicative inverse (Fermat); throws on 0. */
export function inverse(a: bigint): bigint {
  if (mod(a) === 0n) throw new RangeError('0 has no inverse');
  return pow(a, P - 2n);
}

/**
 * Inverses of many elements for the price of one (Montgomery's trick): prefix products, one
 * Fermat inversion, then back-substitution. A Fermat inversion is ~1,000 multiplications of
 * 521-bit numbers, and the server rebuilds one secret per client: with a different share set
 * per neighbourhood in SecAgg+, this is what keeps a 1,000-client round's unmasking cheap.
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
