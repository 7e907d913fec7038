/**
 * Whether `bytes` is an uncompressed point on P-256: WebCrypto refuses to import anything else,
 * so a key that passes here cannot make a later sign, verify or key agreement throw.
 */
export async function isP256Point(bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  if (bytes.length !== 65 || bytes[0] !== 4) return false;
  try {
    await crypto.subtle.importKey('raw', bytes, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    return true;
  } catch {
    return false;
  }
}
