/**
 * A 64-bit digest of a text: FNV-1a in two 32-bit lanes with different offsets, as 16 hex
 * digits. For telling texts apart (a cache key, a check that two files belong together), not a
 * security boundary: synchronous and available in any context, where WebCrypto's digest is async
 * and absent from pages served over plain HTTP.
 */
export function textDigest(text: string): string {
  let [a, b] = [0x811c9dc5, 0x01000193 ^ text.length];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 2246822519);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
