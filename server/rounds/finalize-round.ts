import { maxClientWeight } from '../../protocol/privacy/privatize-update.js';
import { decodeFixed } from '../../protocol/secagg/fixed-point.js';
import type { RoundParams, UnmaskResponse } from '../../protocol/secagg/secagg-client.js';
import type { KeyAdvertisement } from '../../protocol/secagg/signed-keys.js';
import { type MaskedInputs, UnmaskError, unmaskSum } from '../secagg/unmask-sum.js';
import { blobBytes } from '../store/blob-bytes.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import type { ServerConfig } from './server-config.js';
import { FALSE_REJECTION, l2Norm, sumNormBound } from './influence-bound.js';
import { applyServerStep } from './server-optimizer.js';

/**
 * Unmasks the survivors' sum, averages it, takes the server optimizer step and publishes the
 * next model version, in one transaction once the arithmetic is done. A crash before the commit
 * leaves the round in `unmask` with every response stored, and the next tick redoes this.
 */
export async function finalizeRound(
  store: RoundStore,
  config: ServerConfig,
  r: RoundRow,
  params: RoundParams,
  now: () => number,
  log: (event: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  const sharers = new Set(store.indices('share_senders', r.id));
  const ads = store.db.prepare('SELECT idx, cipher_pk, mask_pk FROM advertisements WHERE round_id = ?').all(r.id) as {
    idx: number;
    cipher_pk: Buffer;
    mask_pk: Buffer;
  }[];
  const advertisements = new Map<number, KeyAdvertisement>(
    ads
      .filter((a) => sharers.has(a.idx))
      .map((a) => [
        a.idx,
        { client: a.idx, cipherPublicKey: blobBytes(a.cipher_pk), maskPublicKey: blobBytes(a.mask_pk) },
      ]),
  );
  // Read one upload at a time: a cohort of thousands holds gigabytes of masked vectors.
  const uploaded = new Set(store.indices('masked_inputs', r.id));
  const readVector = store.db.prepare('SELECT vector FROM masked_inputs WHERE round_id = ? AND idx = ?');
  const masked: MaskedInputs = {
    size: uploaded.size,
    keys: () => uploaded.keys(),
    has: (id) => uploaded.has(id),
    get: (id) => {
      const row = uploaded.has(id) ? (readVector.get(r.id, id) as { vector: Buffer } | undefined) : undefined;
      return row && new Uint32Array(blobBytes(row.vector).buffer);
    },
  };
  const responses = (
    store.db.prepare('SELECT idx, body FROM unmask_responses WHERE round_id = ?').all(r.id) as {
      idx: number;
      body: string;
    }[]
  ).map((row): UnmaskResponse => {
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
    store.setPhase(r.id, 'aborted', now(), { abort_reason: `unmasking failed: ${reason}`.slice(0, 500) });
    log('round_aborted', {
      round: r.id,
      reason,
      ...(!(error instanceof UnmaskError) && { stack: (error as Error).stack }),
    });
    return;
  }
  const total = decodeFixed(sum, { clip: r.range, scale: r.scale });
  // Clipping happens on the devices; the server can still refuse a sum no clipped cohort makes.
  const bound = sumNormBound({
    survivors: masked.size,
    clip: r.clip,
    maxWeight: maxClientWeight({ examples: config.weightExamples, cap: config.weightCap }),
    noiseMultiplier: r.noise_multiplier,
    threshold: r.threshold,
    length: total.length,
    scale: r.scale,
  });
  const norm = l2Norm(total);
  if (!(norm <= bound)) {
    const reason =
      `the unmasked sum's L2 norm ${norm.toPrecision(4)} exceeds ${bound.toPrecision(4)}, the most ${masked.size} ` +
      `clipped updates plus the calibrated noise reach (false rejection < ${FALSE_REJECTION}): a participant ` +
      'skipped clipping; the model is unchanged';
    store.setPhase(r.id, 'aborted', now(), { abort_reason: reason });
    log('round_rejected', { round: r.id, norm, bound });
    return;
  }
  const mean = total.map((v) => v / masked.size);
  store.tx(() => {
    const current = store.round(r.id);
    if (current?.phase !== 'unmask') return; // another finalizer won
    const latest = store.latestModel()!;
    const base = new Float32Array(blobBytes(latest.params).buffer);
    const state = latest.optimizer_state ? new Float32Array(blobBytes(latest.optimizer_state).buffer) : null;
    const step = applyServerStep(config.optimizer, config.serverLearningRate, base, mean, state, config.serverAdamTau);
    store.insertModel(latest.version + 1, step.params, step.state, r.id, now());
    store.setPhase(r.id, 'done', now());
    log('round_done', { round: r.id, survivors: masked.size, modelVersion: latest.version + 1 });
  });
}
