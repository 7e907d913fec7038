import { agreeSeed } from '../../protocol/secagg/key-agreement.js';
import { addMask, expandMask } from '../../protocol/secagg/mask-prg.js';
import { pairSign, roundGraph, type RoundParams, type UnmaskResponse } from '../../protocol/secagg/secagg-client.js';
import { reconstructSecret, type Share } from '../../protocol/secagg/shamir.js';
import type { KeyAdvertisement } from '../../protocol/secagg/signed-keys.js';

/** Why a round could not be unmasked; the server then discards it and learns nothing. */
export class UnmaskError extends Error {}

/**
 * The survivors' masked vectors by client: a Map, or a view that reads one vector at a time
 * from the database (a round of thousands of 300 KB uploads need not sit in memory at once).
 */
export type MaskedInputs = Pick<ReadonlyMap<number, Uint32Array>, 'keys' | 'has' | 'size'> & {
  get(id: number): Uint32Array | undefined | Promise<Uint32Array | undefined>;
};

/** Everything the server holds at the unmasking step of one round. */
export interface UnmaskInput {
  params: RoundParams;
  /** Advertisements of every client that shared keys (U2). */
  advertisements: ReadonlyMap<number, KeyAdvertisement>;
  /** Masked vectors of the clients that uploaded (U3 ⊆ U2). */
  masked: MaskedInputs;
  /** Unmasking responses from survivors. */
  responses: readonly UnmaskResponse[];
}

function collect(
  responses: readonly UnmaskResponse[],
  pick: (r: UnmaskResponse) => { of: number; share: Share }[],
): Map<number, Share[]> {
  const byClient = new Map<number, Share[]>();
  for (const r of responses) {
    for (const { of, share } of pick(r)) {
      if (share.x !== r.client) throw new UnmaskError(`client ${r.client} sent a share with index ${share.x}`);
      const list = byClient.get(of) ?? [];
      list.push(share);
      byClient.set(of, list);
    }
  }
  return byClient;
}

/**
 * The sum of the survivors' inputs mod 2^32: their masked vectors, minus each survivor's
 * reconstructed self mask, minus the pairwise masks survivors shared with dropped clients
 * (rebuilt from the dropped clients' reconstructed mask keys; in SecAgg+ only the dropped
 * client's neighbours had masks with it). At no point is any single
 * client's input in the clear: a survivor's self mask is only removed inside the sum.
 */
export async function unmaskSum({ params, advertisements, masked, responses }: UnmaskInput): Promise<Uint32Array> {
  const survivors = [...masked.keys()];
  const minSurvivors = params.minSurvivors ?? params.threshold;
  if (survivors.length < minSurvivors)
    throw new UnmaskError(`${survivors.length} uploads is below the threshold ${minSurvivors}; the round is aborted`);
  if (responses.length < minSurvivors)
    throw new UnmaskError(`${responses.length} unmasking responses is below the threshold ${minSurvivors}`);
  const graph = roundGraph(params);
  const dropped = [...advertisements.keys()].filter((id) => !masked.has(id));
  const selfShares = collect(responses, (r) => r.selfMaskShares);
  const keyShares = collect(responses, (r) => r.maskKeyShares);
  for (const id of survivors)
    if (keyShares.has(id)) throw new UnmaskError(`mask-key shares of survivor ${id} were revealed; refusing to unmask`);

  const sum = new Uint32Array(params.vectorLength);
  for (const batch of batches(survivors)) {
    const seeds: Uint8Array<ArrayBuffer>[] = [];
    for (const id of batch) {
      const y = (await masked.get(id))!;
      if (y.length !== params.vectorLength) throw new UnmaskError(`client ${id} uploaded ${y.length} values`);
      addMask(sum, y, 1);
      const shares = selfShares.get(id) ?? [];
      if (shares.length < params.threshold)
        throw new UnmaskError(
          `only ${shares.length} self-mask shares of client ${id} came back; ${params.threshold} are needed`,
        );
      seeds.push(reconstructSecret(shares, params.threshold));
    }
    for (const mask of await Promise.all(seeds.map((seed) => expandMask(seed, params.vectorLength))))
      addMask(sum, mask, -1);
  }
  for (const v of dropped) {
    const ad = advertisements.get(v)!;
    const shares = keyShares.get(v) ?? [];
    if (shares.length < params.threshold)
      throw new UnmaskError(
        `only ${shares.length} mask-key shares of dropped client ${v} came back; ${params.threshold} are needed`,
      );
    const privateScalar = reconstructSecret(shares, params.threshold);
    // In SecAgg+ only v's neighbours masked with it.
    for (const batch of batches(survivors.filter((u) => !graph || graph.adjacent(u, v)))) {
      const masks = await Promise.all(
        batch.map(async (u) =>
          expandMask(
            await agreeSeed(
              { privateScalar, publicKey: ad.maskPublicKey },
              advertisements.get(u)!.maskPublicKey,
              params.round,
            ),
            params.vectorLength,
          ),
        ),
      );
      // Survivor u added pairSign(u, v) * PRG(s_uv); take it back out.
      masks.forEach((mask, i) => addMask(sum, mask, pairSign(batch[i]!, v) === 1 ? -1 : 1));
    }
  }
  return sum;
}

/**
 * WebCrypto answers on a later turn of the event loop, and a server's loop also answers every
 * polling client: at one mask per turn, unmasking 11,182 clients got under 1% of the loop while
 * they polled and ran past 40 minutes (profiled); 2,000 masks under a synthetic 80% polling load
 * took 5.3 s one per turn, 1.2 s 64 per turn. 64 × the vector is ~20 MB at 77k values.
 */
function* batches<T>(items: readonly T[], size = 64): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
