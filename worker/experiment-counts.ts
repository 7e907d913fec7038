import type { TrackedEvent } from '../contract/event-schema.js';
import type { ExperimentCounts } from '../contract/experiment-types.js';
import { COUNT_CAPS } from '../protocol/analytics/counter-vector.js';

/** A cart or purchase counts for a list that showed its item at most this long before (7 days). */
export const ATTRIBUTION_WINDOW_MS = 7 * 86_400_000;

/** A reporting period: one UTC day. */
export const PERIOD_MS = 86_400_000;

/** The price of an item in the experiment's currency; undefined when it has none in that currency. */
export type PriceOf = (itemId: string) => number | undefined;

/** How many units a purchase event bought: its `context.quantity` when a whole number from 1 to 1,000, else 1. */
function quantityOf(event: TrackedEvent): number {
  const q = event.context?.quantity;
  return typeof q === 'number' && Number.isInteger(q) && q >= 1 && q <= 1000 ? q : 1;
}

/**
 * The most one device adds to each count in one period: the caps of the analytics vector
 * (protocol/analytics/counter-vector.ts), which bound every device's influence on every total.
 */
export const EXPERIMENT_CAPS: Readonly<Required<Omit<ExperimentCounts, 'revenue'>>> = {
  impressions: COUNT_CAPS.impressions,
  clicks: COUNT_CAPS.clicks,
  addToCarts: COUNT_CAPS.addToCarts,
  purchases: COUNT_CAPS.purchases,
  allPurchases: COUNT_CAPS.allPurchases,
};

/** The period a time falls in (days since the epoch, UTC). */
export const periodOf = (timestamp: number): number => Math.floor(timestamp / PERIOD_MS);

/**
 * Counts one experiment's outcomes in one period from the device's own event log, each count
 * clipped at its cap. Nothing is stored beside the log: forgetting or withdrawing consent deletes
 * the log, and with it every count. A list's item counts as shown by its impression or click
 * event (the widget tags both with the experiment that served the list); carts and purchases are
 * attributed to the experiment when one of its lists showed the item within the window before.
 * With `priceOf` (the experiment has a currency) it also sums the attributed purchases' value.
 */
export function experimentCounts(
  events: readonly TrackedEvent[],
  experiment: string,
  period: number,
  priceOf?: PriceOf,
): ExperimentCounts {
  const [from, to] = [period * PERIOD_MS, (period + 1) * PERIOD_MS];
  const ordered = events
    .filter((e) => e.timestamp < to && e.timestamp >= from - ATTRIBUTION_WINDOW_MS)
    .sort((a, b) => a.timestamp - b.timestamp);
  const shownAt = new Map<string, number>();
  const counts: ExperimentCounts = { impressions: 0, clicks: 0, addToCarts: 0, purchases: 0, allPurchases: 0 };
  let revenue = 0;
  for (const event of ordered) {
    if (event.type === 'search' || event.itemId === undefined) continue;
    const inPeriod = event.timestamp >= from;
    const ours = event.context?.experiment === experiment;
    if ((event.type === 'impression' || event.type === 'click') && ours) {
      shownAt.set(event.itemId, event.timestamp);
      if (inPeriod) counts[event.type === 'impression' ? 'impressions' : 'clicks'] += 1;
      continue;
    }
    if (!inPeriod || (event.type !== 'add_to_cart' && event.type !== 'purchase')) continue;
    const shown = shownAt.get(event.itemId);
    const attributed = shown !== undefined && event.timestamp - shown <= ATTRIBUTION_WINDOW_MS;
    if (event.type === 'purchase') counts.allPurchases += 1;
    if (attributed) counts[event.type === 'purchase' ? 'purchases' : 'addToCarts'] += 1;
    // Bounded far above any clip, so no sum of prices overflows to Infinity.
    if (attributed && event.type === 'purchase')
      revenue = Math.min(1e9, revenue + (priceOf?.(event.itemId) ?? 0) * quantityOf(event));
  }
  for (const key of Object.keys(EXPERIMENT_CAPS) as (keyof typeof EXPERIMENT_CAPS)[])
    counts[key] = Math.min(counts[key], EXPERIMENT_CAPS[key]);
  return priceOf ? { ...counts, revenue: Math.round(revenue * 100) / 100 } : counts;
}
