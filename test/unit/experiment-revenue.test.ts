import { describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../contract/event-schema.js';
import {
  COUNT_SENSITIVITY,
  countSensitivity,
  counterVector,
  fieldNoiseVariance,
  layoutFields,
  layoutLength,
  readTotals,
} from '../../protocol/analytics/counter-vector.js';
import { privatizeCounts } from '../../protocol/analytics/privatize-counts.js';
import { mulberry32 } from '../../models/data/rng.js';
import { armReport, revenueLift } from '../../server/analytics/experiment-estimate.js';
import { experimentCounts, PERIOD_MS } from '../../worker/experiment-counts.js';

const arms = ['control', 'personal'];
const priced = { arms, currency: 'EUR' };
const none = { impressions: 4, clicks: 1, addToCarts: 1, purchases: 1, allPurchases: 1 };

describe('experiment revenue: counted on the device, bucketed, clipped, with a lift', () => {
  it('adds a clipped revenue field and a one-hot histogram to each block, and bounds the vector for them', () => {
    expect(layoutFields(priced)).toHaveLength(13);
    expect(layoutLength(priced)).toBe(26);
    const v = counterVector(priced, 'personal', { ...none, revenue: 34.6 });
    const totals = readTotals(priced, v).personal!;
    expect(totals.revenue).toBe(35);
    expect([
      totals.revenueTo20,
      totals.revenueTo50,
      totals.revenueTo100,
      totals.revenueTo200,
      totals.revenueOver200,
    ]).toEqual([0, 1, 0, 0, 0]);
    // Past the clip: the revenue stops at 200 and the device falls in the open bucket.
    const big = readTotals(priced, counterVector(priced, 'control', { ...none, revenue: 900 })).control!;
    expect(big.revenue).toBe(200);
    expect(big.revenueOver200).toBe(1);
    // No purchase, no bucket.
    const zero = readTotals(priced, counterVector(priced, 'control', { ...none, revenue: 0 })).control!;
    expect(zero.revenueTo20! + zero.revenueOver200!).toBe(0);
    // Bucketed as sent: 0.4 rounds to 0 and fills no bucket; 200.4 rounds to 200, the (100, 200] one.
    const tiny = readTotals(priced, counterVector(priced, 'control', { ...none, revenue: 0.4 })).control!;
    expect([tiny.revenue, tiny.revenueTo20]).toEqual([0, 0]);
    const edge = readTotals(priced, counterVector(priced, 'control', { ...none, revenue: 200.4 })).control!;
    expect([edge.revenueTo200, edge.revenueOver200]).toEqual([1, 0]);
    // One bucket at most: L2 grows by the revenue cap and one bucket, 200 units each.
    expect(countSensitivity(priced).l2).toBeCloseTo(Math.sqrt(COUNT_SENSITIVITY.l2 ** 2 + 2 * 200 ** 2), 9);
    expect(countSensitivity(priced).l1).toBe(COUNT_SENSITIVITY.l1 + 400);
    // The largest vector a device can send passes the bound its noise is calibrated to; a layout without revenue refuses it.
    const most = counterVector(priced, 'personal', {
      impressions: 999,
      clicks: 999,
      addToCarts: 999,
      purchases: 999,
      allPurchases: 999,
      revenue: 999,
    });
    expect(() => privatizeCounts(priced, most, 100)).not.toThrow();
    expect(() => privatizeCounts({ arms }, most, 100)).toThrow(/exceeds its bound/);
    expect(() => counterVector(priced, 'control', { ...none, revenue: -1 })).toThrow(RangeError);
    // Without a currency the block is as before: no revenue fields, whatever the counts carry.
    expect(
      readTotals({ arms }, counterVector({ arms }, 'control', { ...none, revenue: 50 })).control,
    ).not.toHaveProperty('revenue');
  });

  it("sums attributed purchases at the catalog's prices in the currency, times their quantity", () => {
    const day = 20_000;
    const at = (hours: number) => day * PERIOD_MS + hours * 3_600_000;
    const events: TrackedEvent[] = [
      { type: 'impression', itemId: 'a', timestamp: at(1), context: { experiment: 'lift' } },
      { type: 'impression', itemId: 'b', timestamp: at(1), context: { experiment: 'lift' } },
      { type: 'purchase', itemId: 'a', timestamp: at(2), context: { quantity: 3 } },
      // Priced in another currency: no revenue, still a purchase.
      { type: 'purchase', itemId: 'b', timestamp: at(3) },
      // Never shown by the experiment: not attributed, no revenue.
      { type: 'purchase', itemId: 'c', timestamp: at(4), context: { quantity: 2 } },
      // A quantity that is not a whole number from 1 to 1,000 counts as 1.
      { type: 'purchase', itemId: 'a', timestamp: at(5), context: { quantity: 1e9 } },
    ];
    const prices: Record<string, number> = { a: 12.5, c: 99 };
    const counts = experimentCounts(events, 'lift', day, (id) => prices[id]);
    expect(counts.revenue).toBe(50);
    expect(counts.purchases).toBe(3);
    expect(counts.allPurchases).toBe(4);
    expect(experimentCounts(events, 'lift', day)).not.toHaveProperty('revenue');
  });

  it('covers the true revenue lift in at least 90% of rounds, counting the noise', () => {
    // 5,000 devices per arm; buyers 3% vs 3.6%, each spending one of these (320 is clipped at 200).
    const spend = [12, 30, 45, 80, 150, 320];
    const clipped = spend.reduce((s, x) => s + Math.min(x, 200), 0) / spend.length;
    const truth = (0.036 * clipped) / (0.03 * clipped) - 1;
    const rand = mulberry32(11);
    // The summed noise of epsilon 1 over 5,000 devices in one round (sd 5.6 conversions, 400 units each):
    // 2,240 units, which is 2,240 currency units on revenue (its weight is 1).
    const sigma = 2_240;
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    let covered = 0;
    let published = 0;
    const runs = 200;
    for (let r = 0; r < runs; r++) {
      const sum = new Array<number>(layoutLength(priced)).fill(0);
      for (const [arm, rate] of [
        ['control', 0.03],
        ['personal', 0.036],
      ] as const)
        for (let d = 0; d < 5_000; d++) {
          const bought = rand() < rate;
          const revenue = bought ? spend[Math.floor(rand() * spend.length)]! : 0;
          const v = counterVector(priced, arm, { ...none, purchases: bought ? 1 : 0, revenue });
          v.forEach((x, i) => (sum[i] += x));
        }
      const totals = readTotals(
        priced,
        sum.map((x) => x + Math.round(sigma * gauss())),
      );
      const lift = revenueLift(totals.control!, totals.personal!, fieldNoiseVariance(sigma ** 2));
      if (!lift) continue;
      published += 1;
      if (lift.low <= truth && truth <= lift.high) covered += 1;
      expect(armReport(totals.personal!).revenuePerDevice).toBeGreaterThan(0);
    }
    expect(published).toBeGreaterThan(runs * 0.9);
    expect(covered / published).toBeGreaterThanOrEqual(0.9);
    // The histogram's bound on the spread makes the interval err wide, but not absurdly so.
    expect(covered / published).toBeLessThanOrEqual(0.999);
  });
});
