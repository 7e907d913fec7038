import { maxClientWeight } from '../../protocol/privacy/privatize-update.js';
import { decodeFixed } from '../../protocol/secagg/fixed-point.js';
import type { RoundParams } from '../../protocol/secagg/secagg-client.js';
import { blobBytes } from '../store/blob-bytes.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import type { ServerConfig } from './server-config.js';
import { FALSE_REJECTION, l2Norm, sumNormBound } from './influence-bound.js';
import { applyServerStep } from './server-optimizer.js';
import { unmaskRound } from './unmask-round.js';

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
  const unmasked = await unmaskRound(store, r, params, now, log);
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
    store.setPhase(r.id, 'aborted', now(), { abort_reason: reason });
    log('round_rejected', { round: r.id, norm, bound });
    return;
  }
  const mean = total.map((v) => v / survivors);
  store.tx(() => {
    const current = store.round(r.id);
    if (current?.phase !== 'unmask') return; // another finalizer won
    const latest = store.latestModel()!;
    const base = new Float32Array(blobBytes(latest.params).buffer);
    const state = latest.optimizer_state ? new Float32Array(blobBytes(latest.optimizer_state).buffer) : null;
    const step = applyServerStep(config.optimizer, config.serverLearningRate, base, mean, state, config.serverAdamTau);
    store.insertModel(latest.version + 1, step.params, step.state, r.id, now());
    store.setPhase(r.id, 'done', now());
    log('round_done', { round: r.id, survivors, modelVersion: latest.version + 1 });
  });
}
