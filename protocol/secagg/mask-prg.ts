/**
 * Expands a 32-byte seed into `length` uniform 32-bit words: AES-256 in counter mode over
 * zeros, through WebCrypto (browser and Node alike). The same seed always gives the same mask,
 * which is what lets pairwise masks cancel and the server remove a dropped client's masks.
 */
export async function expandMask(seed: Uint8Array<ArrayBuffer>, length: number): Promise<Uint32Array> {
  if (seed.length !== 32) throw new RangeError('mask seeds are 32 bytes');
  const key = await crypto.subtle.importKey('raw', seed, 'AES-CTR', false, ['encrypt']);
  // Counter starts at zero with a 64-bit counter field: 2^64 blocks before it could wrap.
  const stream = await crypto.subtle.encrypt(
    { name: 'AES-CTR', counter: new Uint8Array(16), length: 64 },
    key,
    new Uint8Array(length * 4),
  );
  return new Uint32Array(stream);
}

/** acc += sign * mask, element-wise mod 2^32, in place. */
export function addMask(acc: Uint32Array, mask: Uint32Array, sign: 1 | -1): void {
  if (acc.length !== mask.length) throw new RangeError('mask length differs from the vector');
  if (sign === 1) for (let i = 0; i < acc.length; i++) acc[i] = (acc[i]! + mask[i]!) >>> 0;
  else for (let i = 0; i < acc.length; i++) acc[i] = (acc[i]! - mask[i]!) >>> 0;
}
