import {
  counterVector,
  fieldNoiseVariance,
  layoutLength,
  readTotals,
} from '../../protocol/analytics/counter-vector.js';
import { discreteGaussianVector } from '../../protocol/privacy/discrete-gaussian.js';
import { analyticsLocalVariance } from '../../server/analytics/experiment-privacy.js';
import { conversionLift } from '../../server/analytics/experiment-estimate.js';
import { DEFAULT_CONFIG } from '../../server/rounds/server-config.js';
import { ARMS, type ExperimentSimOptions, trueLift } from './experiment-simulation.js';
import { cryptoUniform, replayShopper } from './replay-shopper.js';

/** One replicate's published lift and whether its interval covers the truth. */
export interface Replicate {
  lift: number | null;
  low: number | null;
  high: number | null;
  covered: boolean;
}

/**
 * The estimator alone, many times over: the same sampling of devices, arms and replay as the
 * protocol runs, and the same noise level, but the sum taken here rather than through secure
 * aggregation (which the protocol runs show to be exact), and the survivors' summed discrete
 * noise drawn as one discrete Gaussian of their total variance (the distributed sum is within τ
 * of it; τ is below 1e-300 at these variances). It checks the 95% interval's coverage with
 * hundreds of periods, which the protocol's ~135 ms of CPU per device makes too slow to run.
 */
export function replicatePeriods(
  hits: { control: Uint8Array; personal: Uint8Array },
  options: ExperimentSimOptions,
  count: number,
): Replicate[] {
  const rounds = Math.ceil(options.devices / options.maxCohort);
  const cohort = Math.floor(options.devices / rounds);
  const threshold = Math.max(2, Math.ceil(options.thresholdFraction * cohort));
  const layout = { arms: ARMS };
  const dimension = layoutLength(layout);
  const config = { ...DEFAULT_CONFIG, analyticsEpsilon: options.epsilon, population: options.population };
  const local = analyticsLocalVariance(config, threshold, layout);
  const truth = trueLift(hits);
  const out: Replicate[] = [];
  for (let r = 0; r < count; r++) {
    const sum = new Array<number>(dimension).fill(0);
    for (let d = 0; d < rounds * cohort; d++) {
      const u = Math.floor(cryptoUniform() * hits.control.length);
      const arm = cryptoUniform() < 0.5 ? 'control' : 'personal';
      const counts = replayShopper(hits[arm][u] === 1, options.replay);
      counterVector(layout, arm, counts).forEach((v, i) => (sum[i] = sum[i]! + v));
    }
    for (let round = 0; round < rounds; round++)
      discreteGaussianVector(dimension, cohort * local).forEach((v, i) => (sum[i] = sum[i]! + v));
    const totals = readTotals(layout, sum);
    const lift = conversionLift(totals.control!, totals.personal!, fieldNoiseVariance(rounds * cohort * local));
    out.push({
      lift: lift?.lift ?? null,
      low: lift?.low ?? null,
      high: lift?.high ?? null,
      covered: !!lift && lift.low <= truth && truth <= lift.high,
    });
  }
  return out;
}
