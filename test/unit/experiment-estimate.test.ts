import { describe, expect, it } from 'vitest';
import {
  COUNT_FIELDS,
  COUNT_SENSITIVITY,
  counterVector,
  FIELD_WEIGHTS,
  fieldNoiseVariance,
  readTotals,
} from '../../protocol/analytics/counter-vector.js';
import { mulberry32 } from '../../models/data/rng.js';
import { armReport, conversionLift } from '../../server/analytics/experiment-estimate.js';

const arms = ['control', 'personal'];
const layout = { arms };

/** One simulated analytics round: every device's vector summed, plus Gaussian noise of `sigma` per coordinate. */
function round(rand: () => number, devices: number, rates: Record<string, number>, sigma: number) {
  const sum = new Array<number>(arms.length * COUNT_FIELDS.length).fill(0);
  for (const arm of arms)
    for (let d = 0; d < devices; d++) {
      const bought = rand() < rates[arm]! ? 1 : 0;
      const v = counterVector(layout, arm, {
        impressions: 8,
        clicks: bought,
        addToCarts: bought,
        purchases: bought,
        allPurchases: bought,
      });
      v.forEach((x, i) => (sum[i] += x));
    }
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return readTotals(
    layout,
    sum.map((x) => x + Math.round(sigma * gauss())),
  );
}

describe('experiment analytics: the vector and the published lift', () => {
  it('fills only its own arm block, clipped, and reads back as totals per arm', () => {
    const v = counterVector(layout, 'personal', {
      impressions: 500,
      clicks: 3,
      addToCarts: 1,
      purchases: 2,
      allPurchases: 4,
    });
    expect(v.slice(0, COUNT_FIELDS.length).every((x) => x === 0)).toBe(true);
    expect(readTotals(layout, v).personal).toEqual({
      devices: 1,
      converted: 1,
      impressions: 200,
      clicks: 3,
      addToCarts: 1,
      purchases: 2,
      allPurchases: 4,
    });
    // In integer units every field's cap fills 200, converted's 400: L1 6 x 200 + 400, L2 sqrt(6 x 200² + 400²).
    expect(v.slice(COUNT_FIELDS.length)).toEqual([200, 400, 200, 12, 10, 40, 80]);
    expect(COUNT_SENSITIVITY.l1).toBe(1600);
    expect(COUNT_SENSITIVITY.l2).toBeCloseTo(Math.sqrt(6 * 200 ** 2 + 400 ** 2), 12);
    expect(() =>
      counterVector(layout, 'other', { impressions: 0, clicks: 0, addToCarts: 0, purchases: 0, allPurchases: 0 }),
    ).toThrow(RangeError);
    expect(armReport(readTotals(layout, v).personal!).ctr).toBeCloseTo(3 / 200, 12);
  });

  it('covers the true lift in at least 90% of rounds, counting the noise (and far fewer without it)', () => {
    // 5,000 devices per arm, conversion 3% vs 3.6%: a true lift of +20%; summed noise of standard deviation
    // 8,000 integer units per coordinate: 20 converted devices, 40 devices.
    const rand = mulberry32(7);
    const truth = 0.036 / 0.03 - 1;
    const sigma = 8_000;
    let covered = 0;
    let coveredIgnoringNoise = 0;
    const runs = 300;
    for (let r = 0; r < runs; r++) {
      const totals = round(rand, 5_000, { control: 0.03, personal: 0.036 }, sigma);
      const lift = conversionLift(totals.control!, totals.personal!, fieldNoiseVariance(sigma ** 2))!;
      const naive = conversionLift(totals.control!, totals.personal!, fieldNoiseVariance(0))!;
      if (lift.low <= truth && truth <= lift.high) covered += 1;
      if (naive.low <= truth && truth <= naive.high) coveredIgnoringNoise += 1;
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.9);
    expect(covered / runs).toBeLessThanOrEqual(0.99);
    expect(coveredIgnoringNoise / runs).toBeLessThan(0.8);
  });

  it('says nothing when an arm has no conversions to speak of', () => {
    const totals = readTotals(layout, new Array(arms.length * COUNT_FIELDS.length).fill(0));
    expect(conversionLift(totals.control!, totals.personal!, fieldNoiseVariance(1))).toBeNull();
    expect(armReport(totals.control!).conversion).toBeNull();
  });

  it('publishes no lift when an arm has so few conversions against the noise that the interval would mean nothing', () => {
    const totals = (converted: number) => ({
      devices: 1_000,
      converted,
      impressions: 0,
      clicks: 0,
      addToCarts: 0,
      purchases: converted,
      allPurchases: converted,
    });
    // Noise sd 7 on conversions (epsilon 1 at 1,000 devices): 10 conversions are a relative error of 0.76.
    const noise = fieldNoiseVariance((7 * FIELD_WEIGHTS.converted) ** 2);
    expect(conversionLift(totals(10), totals(16), noise)).toBeNull();
    // 100 of them: 0.12, and the interval is published around the ratio.
    const lift = conversionLift(totals(100), totals(160), noise)!;
    expect(lift.lift).toBeCloseTo(0.6, 12);
    expect(lift.low).toBeLessThan(0.6);
    expect(lift.high).toBeGreaterThan(0.6);
  });
});
