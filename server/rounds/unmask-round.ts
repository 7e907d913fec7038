import type { RoundParams, UnmaskResponse } from '../../protocol/secagg/secagg-client.js';
import type { KeyAdvertisement } from '../../protocol/secagg/signed-keys.js';
import { type MaskedInputs, UnmaskError, unmaskSum } from '../secagg/unmask-sum.js';
import { blobBytes } from '../store/blob-bytes.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import type { SubmissionStore } from '../store/submission-store.js';

/** The unmasked sum of a round's survivors, and how many they were. */
export interface UnmaskedRound {
  sum: Uint32Array;
  survivors: number;
}

/**
 * Rebuilds the survivors' sum (mod 2^32) from their masked inputs and the unmasking responses,
 * whatever the round sums. A failure is the participants' fault (a poisoned share): the round is
 * aborted, nothing is revealed, and undefined is returned.
 */
export async function unmaskRound(
  store: RoundStore,
  rows: SubmissionStore,
  r: RoundRow,
  params: RoundParams,
  now: () => number,
  log: (event: string, fields: Record<string, unknown>) => void,
): Promise<UnmaskedRound | undefined> {
  const sharers = new Set(await store.indices('share_senders', r.id));
  const ads = await rows.advertisedKeys(r.id);
  const advertisements = new Map<number, KeyAdvertisement>(
    ads
      .filter((a) => sharers.has(a.idx))
      .map((a) => [
        a.idx,
        { client: a.idx, cipherPublicKey: blobBytes(a.cipher_pk), maskPublicKey: blobBytes(a.mask_pk) },
      ]),
  );
  // Read one upload at a time: a cohort of thousands holds gigabytes of masked vectors.
  const uploaded = new Set(await store.indices('masked_inputs', r.id));
  const masked: MaskedInputs = {
    size: uploaded.size,
    keys: () => uploaded.keys(),
    has: (id) => uploaded.has(id),
    get: async (id) => {
      const vector = uploaded.has(id) ? await rows.maskedInput(r.id, id) : undefined;
      return vector && new Uint32Array(blobBytes(vector).buffer);
    },
  };
  const responses = (await rows.unmaskResponses(r.id)).map((row): UnmaskResponse => {
    const parsed = JSON.parse(row.body) as {
      selfMaskShares: { of: number; share: { x: number; y: string } }[];
      maskKeyShares: { of: number; share: { x: number; y: string } }[];
    };
    const toShares = (list: typeof parsed.selfMaskShares) =>
      list.map((s) => ({ of: s.of, share: { x: s.share.x, y: BigInt(`0x${s.share.y}`) } }));
    return {
      client: row.idx,
      selfMaskShares: toShares(parsed.selfMaskShares),
      maskKeyShares: toShares(parsed.maskKeyShares),
    };
  });
  let sum: Uint32Array;
  try {
    sum = await unmaskSum({ params, advertisements, masked, responses });
  } catch (error) {
    // Whatever rebuilding the masks throws (a share that is not of the advertised key makes
    // WebCrypto's key import throw a DataError) is the participants' fault: abort this round.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await store.abortRound(r.id, now(), `unmasking failed: ${reason}`);
    log('round_aborted', {
      round: r.id,
      reason,
      ...(!(error instanceof UnmaskError) && { stack: (error as Error).stack }),
    });
    return undefined;
  }
  return { sum, survivors: masked.size };
}
