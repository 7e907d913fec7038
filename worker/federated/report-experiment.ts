import type { TrackedEvent } from '../../contract/event-schema.js';
import type { ExperimentReportResult } from '../../contract/experiment-types.js';
import { counterVector } from '../../protocol/analytics/counter-vector.js';
import type { EventStore } from '../event-store.js';
import { experimentCounts, PERIOD_MS, periodOf, type PriceOf } from '../experiment-counts.js';
import { withTrainingLock } from '../training-lock.js';
import { federationState, fetchTicket } from './federated-client.js';
import { RoundHttpError } from './round-http.js';
import { runRound } from './round-runner.js';

/** Finished periods older than this are not reported any more (the server takes the last 31). */
const LOOKBACK_PERIODS = 7;

const reportedKey = (experiment: string) => `experiment-reported:${experiment}`;

/**
 * Reports one experiment's counters of every finished period of the last week in which this
 * device was active and that it has not reported yet, oldest first, each through its own
 * analytics round: the counters are clipped, carry the round's discrete noise and are masked
 * before they leave. A period counts as reported once a round accepted this device into its
 * cohort (the server would refuse it a second time); a round the device was not drawn into,
 * or that could not be reached, leaves the period for the next call.
 */
export async function reportExperiment(args: {
  store: EventStore;
  events: readonly TrackedEvent[];
  server: string;
  ticketUrl?: string;
  lockName: string;
  experiment: string;
  arms: string[];
  arm: string;
  /** The experiment's currency and the catalog's prices in it: the counters then carry revenue. */
  currency?: string;
  priceOf?: PriceOf;
  now: number;
}): Promise<ExperimentReportResult[]> {
  const { store, events, experiment } = args;
  const state = await federationState(store);
  const reported = (await store.getMeta<number>(reportedKey(experiment))) ?? -1;
  const today = periodOf(args.now);
  const periods: number[] = [];
  for (let period = Math.max(reported + 1, today - LOOKBACK_PERIODS); period < today; period++)
    if (events.some((e) => e.timestamp >= period * PERIOD_MS && e.timestamp < (period + 1) * PERIOD_MS))
      periods.push(period);
  if (periods.length === 0)
    return [{ experiment, participated: false, reason: 'no finished period with activity left to report' }];
  const results: ExperimentReportResult[] = [];
  for (const period of periods) {
    const layout = { arms: args.arms, ...(args.currency && { currency: args.currency }) };
    const counts = experimentCounts(events, experiment, period, args.currency ? args.priceOf : undefined);
    const vector = counterVector(layout, args.arm, counts);
    const run = () =>
      runRound({
        server: args.server,
        clientId: state.clientId,
        identity: state.identity,
        ...(args.ticketUrl && { ticket: () => fetchTicket(args.ticketUrl!, state.clientId) }),
        analytics: { experiment, period, ...layout, vector },
      });
    try {
      const outcome = await withTrainingLock(args.lockName, run);
      if (!outcome.selected) {
        results.push({
          experiment,
          period,
          participated: false,
          round: outcome.round,
          reason: "not drawn into the round's cohort; nothing was sent",
        });
        break;
      }
      // Drawn: the server counts this period as reported, unless the round aborted (it revealed nothing).
      if (outcome.phase !== 'aborted') await store.putMeta(reportedKey(experiment), period);
      results.push({
        experiment,
        period,
        participated: true,
        round: outcome.round,
        phase: outcome.phase,
        ...(outcome.abortReason && { reason: outcome.abortReason }),
      });
    } catch (error) {
      if (error instanceof RoundHttpError && error.code === 'already_reported') {
        await store.putMeta(reportedKey(experiment), period);
        results.push({ experiment, period, participated: false, reason: error.message });
        continue;
      }
      throw error;
    }
  }
  return results;
}
