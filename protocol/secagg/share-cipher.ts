import { agreeSeed, type AgreementKeys } from './key-agreement.js';

/**
 * Authenticated encryption of share bundles between two clients, relayed by the server:
 * AES-256-GCM under a key both ends derive with ECDH + HKDF from their "cipher" key pairs.
 * The additional data binds the ciphertext to sender, recipient and round, so the server
 * cannot replay a bundle to someone else.
 */
async function pairKey(mine: AgreementKeys, peerPublic: Uint8Array<ArrayBuffer>, context: string): Promise<CryptoKey> {
  const seed = await agreeSeed(mine, peerPublic, `share-cipher/${context}`);
  return crypto.subtle.importKey('raw', seed, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

const header = (from: number, to: number, context: string) => new TextEncoder().encode(`${context}|${from}->${to}`);

/** Encrypts `plain` from client `from` to client `to`; output is a 12-byte nonce followed by the ciphertext. */
export async function sealFor(
  mine: AgreementKeys,
  peerPublic: Uint8Array<ArrayBuffer>,
  from: number,
  to: number,
  context: string,
  plain: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: header(from, to, context) },
    await pairKey(mine, peerPublic, context),
    plain,
  );
  const out = new Uint8Array(12 + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), 12);
  return out;
}

/** Decrypts a bundle sent by `from` to `to`; throws when it was tampered with or misaddressed. */
export async function openFrom(
  mine: AgreementKeys,
  peerPublic: Uint8Array<ArrayBuffer>,
  from: number,
  to: number,
  context: string,
  sealed: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: sealed.slice(0, 12), additionalData: header(from, to, context) },
    await pairKey(mine, peerPublic, context),
    sealed.slice(12),
  );
  return new Uint8Array(plain);
}
