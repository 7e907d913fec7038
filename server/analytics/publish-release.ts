import { COUNT_CAPS, FIELD_WEIGHTS, layoutFields } from '../../protocol/analytics/counter-vector.js';
import type { RoundParams } from '../../protocol/secagg/secagg-client.js';
import type { AnalyticsStore } from '../store/analytics-store.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import type { SubmissionStore } from '../store/submission-store.js';
import type { ServerConfig } from '../rounds/server-config.js';
import { unmaskRound } from '../rounds/unmask-round.js';
import { analyticsDelta, experimentEpsilon, releaseOf } from './experiment-privacy.js';
import { rowLayout } from './row-layout.js';

/** Standard deviations of the summed noise a coordinate may stray outside what the survivors' clipped counters can reach. */
const NOISE_MARGIN = 8;

/**
 * Unmasks an analytics round's sum (the survivors' counters plus their discrete noise, signed
 * integers mod 2^32) and publishes it as the round's release, in one transaction. A sum that no
 * set of clipped counters reaches, even with the noise, names a participant that skipped
 * clipping: the round is aborted and nothing is published.
 */
export async function publishRelease(
  store: RoundStore,
  rows: SubmissionStore,
  analytics: AnalyticsStore,
  config: ServerConfig,
  r: RoundRow,
  params: RoundParams,
  now: () => number,
  log: (event: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  const unmasked = await unmaskRound(store, rows, r, params, now, log);
  if (!unmasked) return;
  const { survivors } = unmasked;
  const sum = Array.from(unmasked.sum, (v) => v | 0);
  const margin = NOISE_MARGIN * Math.sqrt(survivors * r.local_variance);
  const layout = rowLayout(r);
  const fields = layoutFields(layout);
  const stray = sum.findIndex((v, i) => {
    const field = fields[i % fields.length]!;
    return v < -margin || v > survivors * COUNT_CAPS[field] * FIELD_WEIGHTS[field] + margin;
  });
  if (stray >= 0) {
    const reason =
      `coordinate ${stray} of the unmasked sum (${sum[stray]}) is outside what ${survivors} clipped counters ` +
      `and the noise reach: a participant skipped clipping; nothing is published`;
    await store.abortRound(r.id, now(), reason);
    log('round_rejected', { round: r.id, coordinate: stray, value: sum[stray] });
    return;
  }
  const delta = analyticsDelta(config);
  const epsilon = experimentEpsilon([releaseOf(layout, { ...r, period: r.period! })], delta);
  await store.tx(async () => {
    if ((await store.lockRound(r.id, 'update'))?.phase !== 'unmask') return; // another finalizer won
    await analytics.insertRelease({
      round_id: r.id,
      experiment: r.experiment!,
      period: r.period!,
      arms: r.arms!,
      currency: r.currency,
      survivors,
      threshold: r.threshold,
      local_variance: r.local_variance,
      sum: JSON.stringify(sum),
      epsilon,
      delta,
      created_at: now(),
    });
    await store.setPhase(r.id, 'done', now());
    log('round_done', { round: r.id, kind: 'analytics', experiment: r.experiment, period: r.period, survivors });
  });
}
