/**
 * Long-term ECDSA P-256 identity of a client, used to sign its per-round key advertisement so
 * peers can tell when the server swapped a key. (The server relays these keys; a signature it
 * cannot forge is what keeps it from standing in the middle of a pairwise key agreement.)
 */
export interface Identity {
  publicKey: Uint8Array<ArrayBuffer>; // raw uncompressed point
  privateKey: CryptoKey;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Creates an identity; the private key is not extractable, so it never leaves WebCrypto. */
export async function createIdentity(): Promise<Identity> {
  const pair = (await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify'])) as CryptoKeyPair;
  return {
    publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
    privateKey: pair.privateKey,
  };
}

/** What a client advertises for one round. */
export interface KeyAdvertisement {
  client: number;
  cipherPublicKey: Uint8Array<ArrayBuffer>;
  maskPublicKey: Uint8Array<ArrayBuffer>;
}

function advertisementBytes(round: string, ad: KeyAdvertisement): Uint8Array<ArrayBuffer> {
  const head = new TextEncoder().encode(`pocketrank/secagg/advertise/v1|${round}|${ad.client}|`);
  const out = new Uint8Array(head.length + ad.cipherPublicKey.length + ad.maskPublicKey.length);
  out.set(head);
  out.set(ad.cipherPublicKey, head.length);
  out.set(ad.maskPublicKey, head.length + ad.cipherPublicKey.length);
  return out;
}

/** Signs an advertisement for a round. */
export async function signAdvertisement(
  identity: Identity,
  round: string,
  ad: KeyAdvertisement,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign(SIGN, identity.privateKey, advertisementBytes(round, ad)));
}

function survivorsBytes(round: string, survivors: readonly number[]): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(
    `pocketrank/secagg/survivors/v1|${round}|${[...survivors].sort((a, b) => a - b).join(',')}`,
  );
}

/** Signs the survivor set a client was shown (the consistency check of Bonawitz et al.). */
export async function signSurvivors(
  identity: Identity,
  round: string,
  survivors: readonly number[],
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign(SIGN, identity.privateKey, survivorsBytes(round, survivors)));
}

/** Checks a peer's signature over a survivor set. */
export async function verifySurvivors(
  identityKey: Uint8Array<ArrayBuffer>,
  round: string,
  survivors: readonly number[],
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', identityKey, ECDSA, false, ['verify']);
  return crypto.subtle.verify(SIGN, key, signature, survivorsBytes(round, survivors));
}

/** Checks an advertisement against the signer's identity key. */
export async function verifyAdvertisement(
  identityKey: Uint8Array<ArrayBuffer>,
  round: string,
  ad: KeyAdvertisement,
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', identityKey, ECDSA, false, ['verify']);
  return crypto.subtle.verify(SIGN, key, signature, advertisementBytes(round, ad));
}
