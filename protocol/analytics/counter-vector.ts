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

/**
 * The fields an experiment with a currency adds after those: its attributed revenue in whole
 * units of the currency, clipped at {@link REVENUE_CAP}, and a histogram of the same revenue (one
 * device adds 1 to the one bucket it falls in; a device with none adds nothing).
 */
export const REVENUE_FIELDS = [
  'revenue',
  'revenueTo20',
  'revenueTo50',
  'revenueTo100',
  'revenueTo200',
  'revenueOver200',
] as const;

/** The most one device's revenue adds per period, in whole units of the experiment's currency. */
export const REVENUE_CAP = 200;

/** The histogram's buckets: the revenue each holds, from above 0 (upper bounds, the last one open). */
export const REVENUE_BUCKETS: readonly { field: RevenueField; upTo: number }[] = [
  { field: 'revenueTo20', upTo: 20 },
  { field: 'revenueTo50', upTo: 50 },
  { field: 'revenueTo100', upTo: 100 },
  { field: 'revenueTo200', upTo: 200 },
  { field: 'revenueOver200', upTo: Infinity },
];

/** A field every block has. */
export type BaseField = (typeof COUNT_FIELDS)[number];
/** A field only an experiment with a currency has. */
export type RevenueField = (typeof REVENUE_FIELDS)[number];
/** One field of a block. */
export type CountField = BaseField | RevenueField;

/** What a vector's blocks hold: one per arm, in order; revenue fields when the experiment names a currency. */
export interface CounterLayout {
  arms: readonly string[];
  /** ISO 4217 code the revenue is counted in; absent, the blocks have no revenue fields. */
  currency?: string | undefined;
}

/** The fields of one block of the layout, in vector order. */
export const layoutFields = (layout: CounterLayout): readonly CountField[] =>
  layout.currency ? [...COUNT_FIELDS, ...REVENUE_FIELDS] : COUNT_FIELDS;

/** The vector's length: arms times fields. */
export const layoutLength = (layout: CounterLayout): number => layout.arms.length * layoutFields(layout).length;

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
  revenue: REVENUE_CAP,
  revenueTo20: 1,
  revenueTo50: 1,
  revenueTo100: 1,
  revenueTo200: 1,
  revenueOver200: 1,
};

/**
 * Integer units per count in the vector sent. One noise level covers the whole vector, so a
 * field's noise in counts is σ / weight: weighting each field so that its cap fills the same
 * 200 units splits the privacy budget evenly between the fields (rather than giving 97% of it
 * to impressions, whose cap is largest), and `converted`, which the lift is read from, gets 400
 * units, twice the others' share. The histogram's buckets share one 200-unit share, since a
 * device fills at most one. Integer weights keep the vector integer, so the discrete noise is
 * exact; the many units per count keep the sum of the devices' discrete noise close to a
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
  revenue: 1,
  revenueTo20: 200,
  revenueTo50: 200,
  revenueTo100: 200,
  revenueTo200: 200,
  revenueOver200: 200,
};

const BUCKET_FIELDS = new Set<CountField>(REVENUE_BUCKETS.map((b) => b.field));

/**
 * L1 and L2 norm bounds of one device's vector in integer units: only its own block is non-zero,
 * and in it at most one bucket of the histogram.
 */
export function countSensitivity(layout: CounterLayout): { l1: number; l2: number } {
  const fields = layoutFields(layout).filter((f) => !BUCKET_FIELDS.has(f));
  const bucket = layout.currency
    ? Math.max(...REVENUE_BUCKETS.map((b) => COUNT_CAPS[b.field] * FIELD_WEIGHTS[b.field]))
    : 0;
  return {
    l1: fields.reduce((sum, f) => sum + COUNT_CAPS[f] * FIELD_WEIGHTS[f], 0) + bucket,
    l2: Math.sqrt(fields.reduce((sum, f) => sum + (COUNT_CAPS[f] * FIELD_WEIGHTS[f]) ** 2, 0) + bucket ** 2),
  };
}

/** The bounds of a layout without revenue (what most experiments send). */
export const COUNT_SENSITIVITY = countSensitivity({ arms: [] });

/**
 * A device's counts for the period, as its event log gives them; `revenue` is its attributed
 * purchases' value in the experiment's currency (what the layout's revenue fields count).
 */
export type DeviceCounts = Readonly<Record<Exclude<BaseField, 'devices' | 'converted'>, number>> & {
  readonly revenue?: number;
};

/** The device's vector in integer units: one block per arm, its own arm's filled, clipped and weighted. */
export function counterVector(layout: CounterLayout, arm: string, counts: DeviceCounts): number[] {
  const { arms } = layout;
  const at = arms.indexOf(arm);
  if (at < 0) throw new RangeError(`arm "${arm}" is not one of ${arms.join(', ')}`);
  const fields = layoutFields(layout);
  const vector = new Array<number>(arms.length * fields.length).fill(0);
  const values: Partial<Record<CountField, number>> = {
    ...counts,
    devices: 1,
    converted: counts.purchases > 0 ? 1 : 0,
  };
  if (layout.currency) {
    const revenue = counts.revenue ?? 0;
    if (!(Number.isFinite(revenue) && revenue >= 0)) throw new RangeError(`revenue must be >= 0; got ${revenue}`);
    // Bucketed as sent: a device whose revenue rounds to 0 fills no bucket.
    const rounded = Math.round(revenue);
    values.revenue = rounded;
    const bucket = rounded > 0 ? REVENUE_BUCKETS.find((b) => rounded <= b.upTo)! : undefined;
    for (const b of REVENUE_BUCKETS) values[b.field] = b === bucket ? 1 : 0;
  }
  fields.forEach((field, i) => {
    const value = values[field]!;
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${field} must be a count; got ${value}`);
    vector[at * fields.length + i] = Math.min(value, COUNT_CAPS[field]) * FIELD_WEIGHTS[field];
  });
  return vector;
}

/** An arm's totals in counts: every field of the layout (revenue fields only with a currency). */
export type ArmTotals = Record<BaseField, number> & Partial<Record<RevenueField, number>>;

/** The summed vector (integer units) read back as totals per arm, in counts. */
export function readTotals(layout: CounterLayout, sum: readonly number[]): Record<string, ArmTotals> {
  const fields = layoutFields(layout);
  if (sum.length !== layoutLength(layout))
    throw new RangeError(`a sum for ${layout.arms.length} arms has ${layoutLength(layout)} values`);
  return Object.fromEntries(
    layout.arms.map((arm, a) => [
      arm,
      Object.fromEntries(fields.map((f, i) => [f, sum[a * fields.length + i]! / FIELD_WEIGHTS[f]])) as ArmTotals,
    ]),
  );
}

/** The variance, in counts, of each field's total when the summed noise has `sumVariance` per coordinate (integer units). */
export function fieldNoiseVariance(sumVariance: number): Record<CountField, number> {
  return Object.fromEntries(
    [...COUNT_FIELDS, ...REVENUE_FIELDS].map((f) => [f, sumVariance / FIELD_WEIGHTS[f] ** 2]),
  ) as Record<CountField, number>;
}
