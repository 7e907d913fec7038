import { type ClientWeighting, maxClientWeight, quantizationRange } from '../../protocol/privacy/privatize-update.js';
import { fixedPointFor } from '../../protocol/secagg/fixed-point.js';
import { cohortThresholds } from '../../protocol/secagg/neighbor-graph.js';
import type { Phase } from '../../protocol/wire-format.js';
import type { RoundFields, RoundRow, RoundStore } from '../store/round-store.js';
import type { ServerConfig } from './server-config.js';
import { analyticsLocalVariance } from '../analytics/experiment-privacy.js';
import { rowLayout } from '../analytics/row-layout.js';

/** Each submission phase: the table of who may submit, the table of who did, and what follows. */
const CHAIN = {
  advertise: ['participants', 'advertisements', 'share'],
  share: ['advertisements', 'share_senders', 'mask'],
  mask: ['share_senders', 'masked_inputs', 'consistency'],
  consistency: ['masked_inputs', 'consistency_signatures', 'unmask'],
} as const;

/** Whether the round's current phase has run past the server's phase deadline. */
export const phaseExpired = (r: RoundRow, config: ServerConfig, now: number): boolean =>
  now - r.phase_started_at >= config.phaseDeadlineMs;

/**
 * Where a round goes next, if anywhere: a phase moves on when everyone expected has submitted,
 * or at its deadline with at least the threshold (aborted below it). Check-in closes at its
 * deadline with enough candidates, or once cohortPool x maxClients have checked in; closing it
 * fixes the cohort's size (drawn from the candidates), threshold, SecAgg+ degree and range. Unmasking's end (the sum) is not
 * decided here: it needs the asynchronous arithmetic of finalizeRound.
 */
export async function nextPhase(
  r: RoundRow,
  store: RoundStore,
  config: ServerConfig,
  weighting: ClientWeighting,
  now: number,
): Promise<{ phase: Phase; fields: RoundFields } | undefined> {
  const expired = phaseExpired(r, config, now);
  if (r.phase === 'checkin') {
    const candidates = await store.candidateCount(r.id);
    if (candidates < r.max_clients * config.cohortPool && !(expired && candidates >= r.min_clients)) return undefined;
    const n = Math.min(candidates, r.max_clients);
    const { threshold, degree, shareThreshold } = cohortThresholds(n, config.thresholdFraction, config.neighbors);
    const graph = { cohort: n, threshold, degree, share_threshold: shareThreshold };
    if (r.kind === 'analytics')
      // Counters are integers already: no fixed-point range; the noise is sized for the threshold.
      return {
        phase: 'advertise',
        fields: { ...graph, local_variance: analyticsLocalVariance(config, threshold, rowLayout(r)) },
      };
    const range = quantizationRange(
      { clip: r.clip, noiseMultiplier: r.noise_multiplier, minSummands: threshold },
      maxClientWeight(weighting),
    );
    return {
      phase: 'advertise',
      fields: {
        ...graph,
        range,
        scale: fixedPointFor(n, range).scale,
      },
    };
  }
  if (r.phase in CHAIN) {
    const [from, to, next] = CHAIN[r.phase as keyof typeof CHAIN];
    const got = await store.count(to, r.id);
    if (got === (await store.count(from, r.id))) return { phase: next, fields: {} };
    if (!expired) return undefined;
    return got >= r.threshold
      ? { phase: next, fields: {} }
      : {
          phase: 'aborted',
          fields: { abort_reason: `only ${got} clients reached ${next}; the threshold is ${r.threshold}` },
        };
  }
  if (r.phase === 'unmask' && expired && (await store.count('unmask_responses', r.id)) < r.threshold) {
    return {
      phase: 'aborted',
      fields: { abort_reason: 'too few unmasking responses before the deadline; nothing was revealed' },
    };
  }
  return undefined;
}
