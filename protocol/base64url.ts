// JWK fields and participation tickets are base64url without padding (RFC 7515's form).

/** Bytes -> base64url, unpadded. */
export const toBase64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** Unpadded (or padded) base64url -> bytes; throws a RangeError on any other character. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new RangeError('not base64url');
  const bare = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(bare + '='.repeat((4 - (bare.length % 4)) % 4)), (c) => c.charCodeAt(0));
}
