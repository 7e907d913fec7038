/**
 * The integer vector one device contributes to an experiment's analytics round: one block per
 * arm, in the experiment's arm order; the device fills its own arm's block and leaves the others
 * at 0, so the sum tells the arms apart while no single vector is ever seen (secure aggregation).
 * Every field is clipped at its cap, which bounds one device's influence on the sum.
 */

/** The fields of one arm's block, in vector order. */
export const COUNT_FIELDS = [
  'devices',
  'converted',
  'impressions',
  'clicks',
  'addToCarts',
  'purchases',
  'allPurchases',
] as const;

/** One field of a block. */
export type CountField = (typeof COUNT_FIELDS)[number];

/**
 * The most one device adds to each field per period: `devices` is 1 for the reporting device,
 * `converted` 1 when it made an attributed purchase; the rest are the clipped event counts.
 */
export const COUNT_CAPS: Readonly<Record<CountField, number>> = {
  devices: 1,
  converted: 1,
  impressions: 200,
  clicks: 50,
  addToCarts: 20,
  purchases: 10,
  allPurchases: 10,
};

/**
 * Integer units per count in the vector sent. One noise level covers the whole vector, so a
 * field's noise in counts is σ / weight: weighting each field so that its cap fills the same
 * 200 units splits the privacy budget evenly between the fields (rather than giving 97% of it
 * to impressions, whose cap is largest), and `converted`, which the lift is read from, gets 400
 * units, twice the others' share. Integer weights keep the vector integer, so the discrete noise
 * is exact; the many units per count keep the sum of the devices' discrete noise close to a
 * discrete Gaussian (a small τ in the accountant).
 */
export const FIELD_WEIGHTS: Readonly<Record<CountField, number>> = {
  devices: 200,
  converted: 400,
  impressions: 1,
  clicks: 4,
  addToCarts: 10,
  purchases: 20,
  allPurchases: 20,
};

/** L1 and L2 norm bounds of one device's vector in integer units (only its own block is non-zero). */
export const COUNT_SENSITIVITY = {
  l1: COUNT_FIELDS.reduce((sum, f) => sum + COUNT_CAPS[f] * FIELD_WEIGHTS[f], 0),
  l2: Math.sqrt(COUNT_FIELDS.reduce((sum, f) => sum + (COUNT_CAPS[f] * FIELD_WEIGHTS[f]) ** 2, 0)),
};

/** A device's counts for the period, as its event log gives them. */
export type DeviceCounts = Readonly<Record<Exclude<CountField, 'devices' | 'converted'>, number>>;

/** The device's vector in integer units: `arms.length` blocks, its own arm's filled, clipped and weighted. */
export function counterVector(arms: readonly string[], arm: string, counts: DeviceCounts): number[] {
  const at = arms.indexOf(arm);
  if (at < 0) throw new RangeError(`arm "${arm}" is not one of ${arms.join(', ')}`);
  const vector = new Array<number>(arms.length * COUNT_FIELDS.length).fill(0);
  const values: Record<CountField, number> = { ...counts, devices: 1, converted: counts.purchases > 0 ? 1 : 0 };
  COUNT_FIELDS.forEach((field, i) => {
    const value = values[field];
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${field} must be a count; got ${value}`);
    vector[at * COUNT_FIELDS.length + i] = Math.min(value, COUNT_CAPS[field]) * FIELD_WEIGHTS[field];
  });
  return vector;
}

/** The summed vector (integer units) read back as totals per arm, in counts. */
export function readTotals(
  arms: readonly string[],
  sum: readonly number[],
): Record<string, Record<CountField, number>> {
  if (sum.length !== arms.length * COUNT_FIELDS.length)
    throw new RangeError(`a sum for ${arms.length} arms has ${arms.length * COUNT_FIELDS.length} values`);
  return Object.fromEntries(
    arms.map((arm, a) => [
      arm,
      Object.fromEntries(
        COUNT_FIELDS.map((f, i) => [f, sum[a * COUNT_FIELDS.length + i]! / FIELD_WEIGHTS[f]]),
      ) as Record<CountField, number>,
    ]),
  );
}

/** The variance, in counts, of each field's total when the summed noise has `sumVariance` per coordinate (integer units). */
export function fieldNoiseVariance(sumVariance: number): Record<CountField, number> {
  return Object.fromEntries(COUNT_FIELDS.map((f) => [f, sumVariance / FIELD_WEIGHTS[f] ** 2])) as Record<
    CountField,
    number
  >;
}
