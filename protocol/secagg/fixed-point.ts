/** How floats map to integers mod 2^32 so that the sum of n clients never wraps. */
export interface FixedPoint {
  /** Values are clipped to [-clip, clip] before encoding. */
  clip: number;
  /** Integer units per 1.0. */
  scale: number;
}

/**
 * The finest scale at which `clients` vectors clipped to ±clip sum without overflowing a
 * signed 32-bit integer: n * clip * scale < 2^31.
 */
export function fixedPointFor(clients: number, clip: number): FixedPoint {
  if (!(clients >= 1) || !(clip > 0) || !Number.isFinite(clip))
    throw new RangeError('clients must be >= 1 and clip a positive finite number');
  const scale = Math.floor((2 ** 31 - 1) / (clients * clip));
  if (scale < 1) throw new RangeError(`${clients} clients at clip ${clip} leave no integer precision`);
  return { clip, scale };
}

/** Encodes floats as integers mod 2^32 (two's complement); NaN and infinities are refused. */
export function encodeFixed(values: Float32Array, fp: FixedPoint): Uint32Array {
  const out = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`value ${i} is not finite`);
    const clipped = Math.max(-fp.clip, Math.min(fp.clip, v));
    out[i] = Math.round(clipped * fp.scale) >>> 0;
  }
  return out;
}

/** Decodes a sum of encoded vectors back to floats. */
export function decodeFixed(sum: Uint32Array, fp: FixedPoint): Float32Array {
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) / fp.scale;
  return out;
}
