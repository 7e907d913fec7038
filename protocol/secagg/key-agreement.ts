import { fromBase64url, toBase64url } from '../base64url.js';
import { bigIntToBytes, bytesToBigInt } from './prime-field.js';

/** A client's ECDH P-256 key pair, with the private scalar exportable so it can be secret-shared. */
export interface AgreementKeys {
  publicKey: Uint8Array<ArrayBuffer>; // uncompressed point, 65 bytes
  privateScalar: Uint8Array<ArrayBuffer>; // d, 32 bytes
}

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** Generates a fresh ECDH key pair with WebCrypto. */
export async function generateAgreementKeys(): Promise<AgreementKeys> {
  const pair = (await crypto.subtle.generateKey(ECDH, true, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const d = fromBase64url(jwk.d!);
  return { publicKey, privateScalar: bigIntToBytes(bytesToBigInt(d), 32) };
}

// Importing a JWK costs more than the agreement itself; one client agrees with every peer.
const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();
const importedPublic = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function importPrivate(privateScalar: Uint8Array<ArrayBuffer>, publicKey: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  let key = imported.get(privateScalar);
  if (!key) {
    key = importJwk(privateScalar, publicKey);
    imported.set(privateScalar, key);
  }
  return key;
}

async function importJwk(
  privateScalar: Uint8Array<ArrayBuffer>,
  publicKey: Uint8Array<ArrayBuffer>,
): Promise<CryptoKey> {
  if (publicKey.length !== 65 || publicKey[0] !== 4) throw new RangeError('expected an uncompressed P-256 public key');
  const jwk: JsonWebKey = {
    kty: 'EC',
    crv: 'P-256',
    d: toBase64url(privateScalar),
    x: toBase64url(publicKey.subarray(1, 33)),
    y: toBase64url(publicKey.subarray(33, 65)),
  };
  return crypto.subtle.importKey('jwk', jwk, ECDH, false, ['deriveBits']);
}

/**
 * The 32-byte seed two clients share: ECDH between my private key and the peer's public key,
 * then HKDF-SHA256 bound to the round and the purpose, so a seed is never reused across rounds.
 * Either side (or the server, after reconstructing a dropped client's private key) gets the same bytes.
 */
export async function agreeSeed(
  mine: { privateScalar: Uint8Array<ArrayBuffer>; publicKey: Uint8Array<ArrayBuffer> },
  peerPublicKey: Uint8Array<ArrayBuffer>,
  context: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const privateKey = await importPrivate(mine.privateScalar, mine.publicKey);
  let peerKey = importedPublic.get(peerPublicKey);
  if (!peerKey) {
    peerKey = crypto.subtle.importKey('raw', peerPublicKey, ECDH, false, []);
    importedPublic.set(peerPublicKey, peerKey);
  }
  const peer = await peerKey;
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: peer }, privateKey, 256);
  const hkdfKey = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveBits']);
  const info = new TextEncoder().encode(`pocketrank/secagg/pairwise-mask/v1/${context}`);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info }, hkdfKey, 256),
  );
}
