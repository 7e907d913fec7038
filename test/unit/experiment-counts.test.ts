import { describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../contract/event-schema.js';
import {
  ATTRIBUTION_WINDOW_MS,
  EXPERIMENT_CAPS,
  experimentCounts,
  PERIOD_MS,
  periodOf,
} from '../../worker/experiment-counts.js';

const day = 20_000; // a period: 20,000 days after the epoch (2024-10-03)
const at = (hours: number) => day * PERIOD_MS + hours * 3_600_000;
const shown = (itemId: string, hours: number, experiment = 'lift'): TrackedEvent => ({
  type: 'impression',
  itemId,
  timestamp: at(hours),
  context: { widget: 'for-you', experiment },
});
const event = (type: TrackedEvent['type'], itemId: string, hours: number): TrackedEvent => ({
  type,
  itemId,
  timestamp: at(hours),
});

describe('experiment counts on the device', () => {
  it('attributes carts and purchases of items its lists showed within the window, and counts every purchase', () => {
    const events = [
      shown('a', 1),
      { ...shown('a', 2), type: 'click' as const },
      event('add_to_cart', 'a', 3),
      event('purchase', 'a', 4),
      // Shown by another experiment's list: not ours.
      shown('b', 1, 'other'),
      event('purchase', 'b', 5),
      // Bought before it was shown: not attributed.
      event('add_to_cart', 'c', 1),
      shown('c', 2),
      // Shown 8 days before: out of the window; shown 6 days before: in it (and not counted as an impression today).
      shown('d', -8 * 24),
      event('purchase', 'd', 6),
      shown('e', -6 * 24),
      event('add_to_cart', 'e', 7),
      event('search' as const, 'x', 1),
    ];
    expect(periodOf(at(5))).toBe(day);
    expect(experimentCounts(events, 'lift', day)).toEqual({
      impressions: 2,
      clicks: 1,
      addToCarts: 2,
      purchases: 1,
      allPurchases: 3,
    });
    // The next period sees none of today's impressions as its own, but still attributes within 7 days.
    expect(experimentCounts([...events, event('purchase', 'a', 24 + 1)], 'lift', day + 1)).toEqual({
      impressions: 0,
      clicks: 0,
      addToCarts: 0,
      purchases: 1,
      allPurchases: 1,
    });
    expect(ATTRIBUTION_WINDOW_MS).toBe(7 * PERIOD_MS);
  });

  it('clips every count at its cap, so one device moves no total by more than a known amount', () => {
    const many: TrackedEvent[] = [];
    for (let i = 0; i < 300; i++) many.push(shown(`i${i}`, 1), event('purchase', `i${i}`, 2));
    const counts = experimentCounts(many, 'lift', day);
    expect(counts).toEqual({ ...EXPERIMENT_CAPS, clicks: 0, addToCarts: 0 });
  });
});
