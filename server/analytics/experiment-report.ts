import {
  COUNT_FIELDS,
  type CountField,
  fieldNoiseVariance,
  readTotals,
} from '../../protocol/analytics/counter-vector.js';
import type { ArmFigures, ExperimentPeriod, ExperimentReport, LiftInterval } from '../../protocol/responses.js';
import type { ReleaseRow } from '../store/analytics-store.js';
import { ProtocolError } from '../rounds/protocol-error.js';
import type { ServerConfig } from '../rounds/server-config.js';
import { armReport, conversionLift } from './experiment-estimate.js';
import { asRelease, experimentEpsilon, periodEpsilon } from './experiment-privacy.js';

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

const sd = (noiseVariance: number): Record<CountField, number> => {
  const variance = fieldNoiseVariance(noiseVariance);
  return Object.fromEntries(COUNT_FIELDS.map((f) => [f, Math.sqrt(variance[f])])) as Record<CountField, number>;
};

/** Figures per arm and each arm's lift over the first (control) from pooled sums. */
function figures(arms: readonly string[], pooled: Pooled) {
  const totals = readTotals(arms, pooled.sum);
  const noise = fieldNoiseVariance(pooled.noiseVariance);
  const byArm: Record<string, ArmFigures> = Object.fromEntries(arms.map((a) => [a, armReport(totals[a]!)]));
  const lifts: Record<string, LiftInterval | null> = Object.fromEntries(
    arms.slice(1).map((a) => [a, conversionLift(totals[arms[0]!]!, totals[a]!, noise)]),
  );
  return { byArm, lifts };
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
  const current = releases[releases.length - 1]!.arms;
  const arms = JSON.parse(current) as string[];
  const rows = releases.filter((r) => r.arms === current);
  const length = arms.length * COUNT_FIELDS.length;
  const periods: ExperimentPeriod[] = [...new Set(rows.map((r) => r.period))].map((period) => {
    const inPeriod = rows.filter((r) => r.period === period);
    const pooled = pool(inPeriod, length);
    const { byArm, lifts } = figures(arms, pooled);
    return {
      period,
      date: new Date(period * 86_400_000).toISOString().slice(0, 10),
      rounds: inPeriod.length,
      devices: pooled.devices,
      arms: byArm,
      lifts,
      noiseSd: sd(pooled.noiseVariance),
      epsilon: periodEpsilon(inPeriod.map(asRelease), delta),
    };
  });
  const all = pool(rows, length);
  const { byArm, lifts } = figures(arms, all);
  const spent = rows.map(asRelease);
  return {
    experiment,
    arms,
    control: arms[0]!,
    periods,
    devices: all.devices,
    totals: byArm,
    lifts,
    noiseSd: sd(all.noiseVariance),
    privacy: {
      mechanism: 'distributed discrete Gaussian',
      epsilonPerPeriod: Math.max(...periods.map((p) => p.epsilon)),
      epsilon: experimentEpsilon(spent, delta),
      delta,
      budget: Number.isFinite(config.analyticsBudget) ? config.analyticsBudget : null,
    },
  };
}
