import { generateAgreementKeys, agreeSeed, type AgreementKeys } from './key-agreement.js';
import { addMask, expandMask } from './mask-prg.js';
import { neighborGraph, type NeighborGraph } from './neighbor-graph.js';
import { SecAggRefusal } from './secagg-refusal.js';
import { bigIntToBytes, bytesToBigInt } from './prime-field.js';
import { openFrom, sealFor } from './share-cipher.js';
import { shareSecret, type Share } from './shamir.js';
import {
  signAdvertisement,
  signSurvivors,
  verifyAdvertisement,
  verifySurvivors,
  type Identity,
  type KeyAdvertisement,
} from './signed-keys.js';

/** Public parameters of one secure-aggregation round. */
export interface RoundParams {
  round: string;
  /** Shamir threshold: shares needed to rebuild one client's secrets (within its neighbourhood). */
  threshold: number;
  vectorLength: number;
  /** Fewest survivors a sum may cover; below it the round aborts and reveals nothing (default: threshold). */
  minSurvivors?: number;
  /** SecAgg+ graph over the cohort 1..cohortSize; absent: the complete graph (Bonawitz). */
  graph?: { cohortSize: number; degree: number };
}

/** The round's communication graph, or undefined for the complete graph. */
export function roundGraph(params: RoundParams): NeighborGraph | undefined {
  if (!params.graph || params.graph.degree >= params.graph.cohortSize - 1) return undefined;
  return neighborGraph(params.round, params.graph.cohortSize, params.graph.degree);
}

/** A key advertisement as relayed by the server, with the sender's long-term identity key. */
export interface SignedAdvertisement {
  ad: KeyAdvertisement;
  signature: Uint8Array<ArrayBuffer>;
  identityKey: Uint8Array<ArrayBuffer>;
}

/** What a client reveals in the unmasking step: self-mask shares of survivors, mask-key shares of dropouts. */
export interface UnmaskResponse {
  client: number;
  selfMaskShares: { of: number; share: Share }[];
  maskKeyShares: { of: number; share: Share }[];
}

const SHARE_BYTES = 66; // field elements are < 2^521

/**
 * Everything a client must keep to finish a round after a page reload. It holds secrets (mask
 * key, self-mask seed, peers' shares), so it only ever goes to this device's IndexedDB.
 */
export interface SecAggSnapshot {
  id: number;
  params: RoundParams;
  cipherKeys?: AgreementKeys;
  maskKeys?: AgreementKeys;
  selfSeed?: Uint8Array<ArrayBuffer>;
  peers: Map<number, KeyAdvertisement>;
  held: Map<number, { maskKey: Share; selfMask: Share }>;
  sharedWith: number[];
  identities: Map<number, Uint8Array<ArrayBuffer>>;
  signedSurvivors?: string;
  unmaskedFor?: string;
}

/** Pairwise masks cancel because the lower id adds and the higher id subtracts. */
export const pairSign = (me: number, peer: number): 1 | -1 => (me < peer ? 1 : -1);

function packShares(from: number, to: number, maskKey: Share, selfMask: Share): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(8 + 2 * SHARE_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, from);
  view.setUint32(4, to);
  out.set(bigIntToBytes(maskKey.y, SHARE_BYTES), 8);
  out.set(bigIntToBytes(selfMask.y, SHARE_BYTES), 8 + SHARE_BYTES);
  return out;
}

/**
 * One client's side of Bonawitz et al. (CCS 2017), semi-honest server with signed keys:
 * advertise two ECDH keys, secret-share the mask key and a self-mask seed t-of-n, upload the
 * input plus self mask plus pairwise masks (mod 2^32), then help unmask: for each peer, reveal
 * either its self-mask share (it survived) or its mask-key share (it dropped), never both.
 * With `params.graph` the peers are only the client's neighbours (SecAgg+, Bell et al. 2020).
 */
export class SecAggClient {
  private cipherKeys?: AgreementKeys;
  private maskKeys?: AgreementKeys;
  private selfSeed?: Uint8Array<ArrayBuffer>;
  private peers = new Map<number, KeyAdvertisement>();
  private held = new Map<number, { maskKey: Share; selfMask: Share }>();
  private sharedWith: number[] = [];
  private unmaskedFor?: string;
  private identities = new Map<number, Uint8Array<ArrayBuffer>>();
  private signedSurvivors?: string;
  private readonly graph?: NeighborGraph;

  /** @param id this client's index in the cohort (1-based; it is also its Shamir x). */
  constructor(
    readonly id: number,
    private readonly identity: Identity,
    private readonly params: RoundParams,
  ) {
    if (!Number.isInteger(id) || id < 1) throw new RangeError('client ids are positive integers');
    this.graph = roundGraph(params);
  }

  private get minSurvivors(): number {
    return this.params.minSurvivors ?? this.params.threshold;
  }

  /** Whether `client` is one of mine: everyone in the complete graph, neighbours in SecAgg+. */
  private isPeer(client: number): boolean {
    return client === this.id || !this.graph || this.graph.adjacent(this.id, client);
  }

  /** The client's state, structured-clone safe, for IndexedDB. */
  snapshot(): SecAggSnapshot {
    return {
      id: this.id,
      params: this.params,
      peers: new Map(this.peers),
      held: new Map(this.held),
      sharedWith: [...this.sharedWith],
      identities: new Map(this.identities),
      ...(this.cipherKeys && { cipherKeys: this.cipherKeys }),
      ...(this.maskKeys && { maskKeys: this.maskKeys }),
      ...(this.selfSeed && { selfSeed: this.selfSeed }),
      ...(this.signedSurvivors !== undefined && { signedSurvivors: this.signedSurvivors }),
      ...(this.unmaskedFor !== undefined && { unmaskedFor: this.unmaskedFor }),
    };
  }

  /** Rebuilds a client from a snapshot (after a page reload). */
  static restore(snapshot: SecAggSnapshot, identity: Identity): SecAggClient {
    const client = new SecAggClient(snapshot.id, identity, snapshot.params);
    client.cipherKeys = snapshot.cipherKeys;
    client.maskKeys = snapshot.maskKeys;
    client.selfSeed = snapshot.selfSeed;
    client.peers = new Map(snapshot.peers);
    client.held = new Map(snapshot.held);
    client.sharedWith = [...snapshot.sharedWith];
    client.identities = new Map(snapshot.identities);
    client.signedSurvivors = snapshot.signedSurvivors;
    client.unmaskedFor = snapshot.unmaskedFor;
    return client;
  }

  /** Step 0: fresh per-round keys, signed with the long-term identity. */
  async advertise(): Promise<SignedAdvertisement> {
    this.cipherKeys = await generateAgreementKeys();
    this.maskKeys = await generateAgreementKeys();
    const ad = { client: this.id, cipherPublicKey: this.cipherKeys.publicKey, maskPublicKey: this.maskKeys.publicKey };
    return {
      ad,
      signature: await signAdvertisement(this.identity, this.params.round, ad),
      identityKey: this.identity.publicKey,
    };
  }

  /**
   * Step 1: checks every advertisement's signature (a swapped key aborts), then sends each peer,
   * encrypted, its shares of my mask key and self-mask seed.
   * @param trustedIdentity maps a client id to the identity key this client trusts for it
   */
  async shareKeys(
    cohort: readonly SignedAdvertisement[],
    trustedIdentity: (client: number) => Uint8Array<ArrayBuffer> | undefined,
  ): Promise<{ to: number; sealed: Uint8Array<ArrayBuffer> }[]> {
    if (!this.maskKeys || !this.cipherKeys) throw new Error('advertise() first');
    if (cohort.length < this.params.threshold)
      throw new SecAggRefusal(`cohort of ${cohort.length} is below the threshold ${this.params.threshold}`);
    for (const { ad, signature } of cohort) {
      if (!this.isPeer(ad.client))
        throw new SecAggRefusal(
          `advertisement of client ${ad.client}, who is not a neighbour of ${this.id} in this round's graph`,
        );
      const key = trustedIdentity(ad.client);
      if (!key || !(await verifyAdvertisement(key, this.params.round, ad, signature)))
        throw new SecAggRefusal(`advertisement of client ${ad.client} is not signed by its identity`);
      this.peers.set(ad.client, ad);
      this.identities.set(ad.client, key);
    }
    if (!this.peers.has(this.id)) throw new SecAggRefusal('the cohort does not include this client');
    this.selfSeed = crypto.getRandomValues(new Uint8Array(32));
    const ids = [...this.peers.keys()];
    const maskKeyShares = shareSecret(this.maskKeys.privateScalar, this.params.threshold, ids);
    const selfMaskShares = shareSecret(this.selfSeed, this.params.threshold, ids);
    this.sharedWith = ids;
    const out: { to: number; sealed: Uint8Array<ArrayBuffer> }[] = [];
    for (const [i, to] of ids.entries()) {
      if (to === this.id) {
        this.held.set(this.id, { maskKey: maskKeyShares[i]!, selfMask: selfMaskShares[i]! });
        continue;
      }
      const plain = packShares(this.id, to, maskKeyShares[i]!, selfMaskShares[i]!);
      out.push({
        to,
        sealed: await sealFor(
          this.cipherKeys,
          this.peers.get(to)!.cipherPublicKey,
          this.id,
          to,
          this.params.round,
          plain,
        ),
      });
    }
    return out;
  }

  /** Step 1, receiving side: decrypts and keeps the shares peers sent me. */
  async receiveShares(bundles: readonly { from: number; sealed: Uint8Array<ArrayBuffer> }[]): Promise<void> {
    if (!this.cipherKeys) throw new Error('advertise() first');
    for (const { from, sealed } of bundles) {
      const peer = this.peers.get(from);
      if (!peer) throw new SecAggRefusal(`shares from client ${from}, who is not in the cohort`);
      const plain = await openFrom(this.cipherKeys, peer.cipherPublicKey, from, this.id, this.params.round, sealed);
      const view = new DataView(plain.buffer);
      if (view.getUint32(0) !== from || view.getUint32(4) !== this.id)
        throw new SecAggRefusal(`share bundle from ${from} is misaddressed`);
      const y = (offset: number) => bytesToBigInt(plain.subarray(offset, offset + SHARE_BYTES));
      this.held.set(from, { maskKey: { x: this.id, y: y(8) }, selfMask: { x: this.id, y: y(8 + SHARE_BYTES) } });
    }
  }

  /**
   * Step 2: my quantized update plus my self mask plus, for every peer that shared keys,
   * the pairwise mask with my sign. This vector alone is uniformly random to the server.
   */
  async maskedInput(input: Uint32Array, sharedKeys: readonly number[]): Promise<Uint32Array> {
    if (!this.maskKeys || !this.selfSeed) throw new Error('shareKeys() first');
    if (input.length !== this.params.vectorLength)
      throw new RangeError(`input has ${input.length} values, the round expects ${this.params.vectorLength}`);
    const y = Uint32Array.from(input);
    addMask(y, await expandMask(this.selfSeed, y.length), 1);
    for (const v of sharedKeys) {
      if (v === this.id || !this.isPeer(v)) continue;
      const peer = this.peers.get(v);
      if (!peer) throw new SecAggRefusal(`client ${v} was never advertised`);
      const seed = await agreeSeed(this.maskKeys, peer.maskPublicKey, this.params.round);
      addMask(y, await expandMask(seed, y.length), pairSign(this.id, v));
    }
    return y;
  }

  /**
   * Step 3 (consistency check): signs the survivor set the server announced, so every survivor
   * can later check that all of them were shown the same set.
   */
  async signSurvivorSet(survivors: readonly number[]): Promise<Uint8Array<ArrayBuffer>> {
    if (survivors.length < this.minSurvivors)
      throw new SecAggRefusal(`only ${survivors.length} survivors; the threshold is ${this.minSurvivors}`);
    if (!survivors.includes(this.id)) throw new SecAggRefusal('this client is not among the survivors');
    this.signedSurvivors = [...survivors].sort((a, b) => a - b).join(',');
    return signSurvivors(this.identity, this.params.round, survivors);
  }

  /**
   * Step 4: checks that at least t survivors signed the same survivor set this client signed
   * (a server showing different sets to different clients is caught here), then reveals, for
   * each client of `sharedKeys`, the self-mask share if it survived and the mask-key share
   * otherwise. Refuses a second, different request (which could ask for both shares of one client).
   */
  async unmask(
    survivors: readonly number[],
    sharedKeys: readonly number[],
    consistency: readonly { client: number; signature: Uint8Array<ArrayBuffer> }[],
  ): Promise<UnmaskResponse> {
    if (survivors.length < this.minSurvivors)
      throw new SecAggRefusal(`only ${survivors.length} survivors; the threshold is ${this.minSurvivors}`);
    const alive = new Set(survivors);
    if (!alive.has(this.id)) throw new SecAggRefusal('this client is not among the survivors');
    if (this.signedSurvivors !== [...survivors].sort((a, b) => a - b).join(','))
      throw new SecAggRefusal('the survivor set differs from the one this client signed');
    const signers = new Set<number>();
    for (const { client, signature } of consistency) {
      const key = this.identities.get(client);
      if (alive.has(client) && key && (await verifySurvivors(key, this.params.round, survivors, signature)))
        signers.add(client);
    }
    // Only neighbours' identities are known here, so in SecAgg+ the check is per neighbourhood.
    if (signers.size < this.params.threshold)
      throw new SecAggRefusal(
        `only ${signers.size} survivors signed this survivor set; the threshold is ${this.params.threshold}`,
      );
    const request = `${[...survivors].sort((a, b) => a - b)}|${[...sharedKeys].sort((a, b) => a - b)}`;
    if (this.unmaskedFor !== undefined && this.unmaskedFor !== request)
      throw new SecAggRefusal('a second, different unmasking request');
    this.unmaskedFor = request;
    const response: UnmaskResponse = { client: this.id, selfMaskShares: [], maskKeyShares: [] };
    for (const v of sharedKeys) {
      const held = this.held.get(v);
      if (!held) continue;
      if (alive.has(v)) response.selfMaskShares.push({ of: v, share: held.selfMask });
      else if (this.sharedWith.includes(v)) response.maskKeyShares.push({ of: v, share: held.maskKey });
    }
    return response;
  }
}
