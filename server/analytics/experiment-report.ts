import {
  type CounterLayout,
  type CountField,
  fieldNoiseVariance,
  layoutFields,
  layoutLength,
  readTotals,
} from '../../protocol/analytics/counter-vector.js';
import type { ArmFigures, ExperimentPeriod, ExperimentReport, LiftInterval } from '../../protocol/responses.js';
import type { ReleaseRow } from '../store/analytics-store.js';
import { ProtocolError } from '../rounds/protocol-error.js';
import type { ServerConfig } from '../rounds/server-config.js';
import { armReport, conversionLift, revenueLift } from './experiment-estimate.js';
import { asRelease, experimentEpsilon, periodEpsilon } from './experiment-privacy.js';
import { rowLayout } from './row-layout.js';

/** Sums of integer-unit vectors, the noise variance they carry and the devices behind them. */
interface Pooled {
  sum: number[];
  /** Variance of the summed noise per coordinate, integer units: every survivor added its local variance. */
  noiseVariance: number;
  devices: number;
}

function pool(rows: readonly ReleaseRow[], length: number): Pooled {
  const sum = new Array<number>(length).fill(0);
  let noiseVariance = 0;
  let devices = 0;
  for (const row of rows) {
    (JSON.parse(row.sum) as number[]).forEach((v, i) => (sum[i] = sum[i]! + v));
    noiseVariance += row.survivors * row.local_variance;
    devices += row.survivors;
  }
  return { sum, noiseVariance, devices };
}

const sd = (layout: CounterLayout, noiseVariance: number): Partial<Record<CountField, number>> => {
  const variance = fieldNoiseVariance(noiseVariance);
  return Object.fromEntries(layoutFields(layout).map((f) => [f, Math.sqrt(variance[f])]));
};

/** Figures per arm and each arm's lifts over the first (control) from pooled sums. */
function figures(layout: CounterLayout, pooled: Pooled) {
  const { arms } = layout;
  const totals = readTotals(layout, pooled.sum);
  const noise = fieldNoiseVariance(pooled.noiseVariance);
  const control = totals[arms[0]!]!;
  const byArm: Record<string, ArmFigures> = Object.fromEntries(arms.map((a) => [a, armReport(totals[a]!)]));
  const lifts: Record<string, LiftInterval | null> = Object.fromEntries(
    arms.slice(1).map((a) => [a, conversionLift(control, totals[a]!, noise)]),
  );
  const revenueLifts = layout.currency
    ? Object.fromEntries(arms.slice(1).map((a) => [a, revenueLift(control, totals[a]!, noise)]))
    : undefined;
  return { byArm, lifts, ...(revenueLifts && { revenueLifts }), noiseSd: sd(layout, pooled.noiseVariance) };
}

/**
 * The experiment's report from its releases: per period and over all of them. Releases under an
 * older list of arms (the experiment was reconfigured) are left out: their blocks mean other arms.
 */
export function experimentReport(
  experiment: string,
  releases: readonly ReleaseRow[],
  delta: number,
  config: Pick<ServerConfig, 'analyticsBudget'>,
): ExperimentReport {
  if (releases.length === 0) throw new ProtocolError(404, `experiment ${experiment} has published nothing yet`);
  const latest = releases[releases.length - 1]!;
  const layout = rowLayout(latest);
  const { arms } = layout;
  const rows = releases.filter((r) => r.arms === latest.arms && r.currency === latest.currency);
  const length = layoutLength(layout);
  const periods: ExperimentPeriod[] = [...new Set(rows.map((r) => r.period))].map((period) => {
    const inPeriod = rows.filter((r) => r.period === period);
    const pooled = pool(inPeriod, length);
    const { byArm, ...rest } = figures(layout, pooled);
    return {
      period,
      date: new Date(period * 86_400_000).toISOString().slice(0, 10),
      rounds: inPeriod.length,
      devices: pooled.devices,
      arms: byArm,
      ...rest,
      epsilon: periodEpsilon(inPeriod.map(asRelease), delta),
    };
  });
  const all = pool(rows, length);
  const { byArm, ...rest } = figures(layout, all);
  // What devices spent counts every release, under any layout: the budget check does too.
  const spent = releases.map(asRelease);
  return {
    experiment,
    arms: [...arms],
    control: arms[0]!,
    ...(layout.currency && { currency: layout.currency }),
    periods,
    devices: all.devices,
    totals: byArm,
    ...rest,
    privacy: {
      mechanism: 'distributed discrete Gaussian',
      epsilonPerPeriod: Math.max(...periods.map((p) => p.epsilon)),
      epsilon: experimentEpsilon(spent, delta),
      delta,
      budget: Number.isFinite(config.analyticsBudget) ? config.analyticsBudget : null,
    },
  };
}
