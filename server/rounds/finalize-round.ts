import { maxClientWeight } from '../../protocol/privacy/privatize-update.js';
import { decodeFixed } from '../../protocol/secagg/fixed-point.js';
import type { RoundParams } from '../../protocol/secagg/secagg-client.js';
import { blobBytes } from '../store/blob-bytes.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import type { SubmissionStore } from '../store/submission-store.js';
import type { ServerConfig } from './server-config.js';
import { FALSE_REJECTION, l2Norm, sumNormBound } from './influence-bound.js';
import { applyServerStep } from './server-optimizer.js';
import { unmaskRound } from './unmask-round.js';

/**
 * Unmasks the survivors' sum, averages it, takes the server optimizer step and publishes the
 * next model version, in one transaction once the arithmetic is done. A crash before the commit
 * leaves the round in `unmask` with every response stored, and the next process to claim its
 * unmasking (this one on restart, or another once the lease runs out) redoes this.
 */
export async function finalizeRound(
  store: RoundStore,
  rows: SubmissionStore,
  config: ServerConfig,
  r: RoundRow,
  params: RoundParams,
  now: () => number,
  log: (event: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  const unmasked = await unmaskRound(store, rows, r, params, now, log);
  if (!unmasked) return;
  const { sum, survivors } = unmasked;
  const total = decodeFixed(sum, { clip: r.range, scale: r.scale });
  // Clipping happens on the devices; the server can still refuse a sum no clipped cohort makes.
  const bound = sumNormBound({
    survivors,
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
      `the unmasked sum's L2 norm ${norm.toPrecision(4)} exceeds ${bound.toPrecision(4)}, the most ${survivors} ` +
      `clipped updates plus the calibrated noise reach (false rejection < ${FALSE_REJECTION}): a participant ` +
      'skipped clipping; the model is unchanged';
    await store.abortRound(r.id, now(), reason);
    log('round_rejected', { round: r.id, norm, bound });
    return;
  }
  const mean = total.map((v) => v / survivors);
  await store.tx(async () => {
    const current = await store.lockRound(r.id, 'update');
    if (current?.phase !== 'unmask') return; // another finalizer won
    const latest = (await store.latestModel())!;
    const base = new Float32Array(blobBytes(latest.params).buffer);
    const state = latest.optimizer_state ? new Float32Array(blobBytes(latest.optimizer_state).buffer) : null;
    const step = applyServerStep(config.optimizer, config.serverLearningRate, base, mean, state, config.serverAdamTau);
    await store.insertModel(latest.version + 1, step.params, step.state, r.id, now());
    await store.setPhase(r.id, 'done', now());
    log('round_done', { round: r.id, survivors, modelVersion: latest.version + 1 });
  });
}
