import {
  type ArmTotals,
  type CountField,
  REVENUE_BUCKETS,
  REVENUE_CAP,
} from '../../protocol/analytics/counter-vector.js';
import type { ArmFigures, LiftInterval } from '../../protocol/responses.js';

/** The normal quantile of a two-sided 95% interval. */
const Z95 = 1.959963984540054;

const ratio = (num: number, den: number) => (den > 0 && num >= 0 ? num / den : null);

/** Rates of one arm; a rate whose noisy denominator is not positive is null (too few devices to say). */
export function armReport(totals: ArmTotals): ArmFigures {
  return {
    totals,
    ctr: ratio(totals.clicks, totals.impressions),
    addToCartRate: ratio(totals.addToCarts, totals.impressions),
    conversion: ratio(totals.converted, totals.devices),
    ...(totals.revenue !== undefined && { revenuePerDevice: ratio(totals.revenue, totals.devices) }),
  };
}

/**
 * The variance of log(converted / devices) from a round's noisy totals, by the delta method: the
 * sampling variance of a proportion, (1 − p) / converted, plus the DP noise on both totals,
 * σ²_converted / converted² + σ²_devices / devices², the variances of the noise on each total in counts.
 */
function logRateVariance(totals: ArmTotals, noise: NoiseVariance): number | null {
  const { converted, devices } = totals;
  if (!(converted > 0 && devices > converted)) return null;
  const p = converted / devices;
  const convertedTerm = (1 - p) / converted + noise.converted / converted ** 2;
  // The delta method linearizes log(converted): with a relative error past 1/3 (a handful of
  // conversions against the noise) its interval is meaningless (it read [-100%, +2e18%] in a
  // simulated period of 1,000 devices), so the lift is not published.
  if (convertedTerm > MAX_RELATIVE_ERROR ** 2) return null;
  return convertedTerm + noise.devices / devices ** 2;
}

/** The largest relative standard error of an arm's conversions for which a lift is published. */
export const MAX_RELATIVE_ERROR = 1 / 3;

/** The variance of the noise on each total, in counts (see fieldNoiseVariance). */
export type NoiseVariance = Readonly<Record<CountField, number>>;

/**
 * The lift of `arm` over `control` in conversion (p_arm / p_control − 1) with a 95% interval on
 * the log of the ratio that counts both the sampling of devices and the noise of the mechanism;
 * null when either arm has too few conversions to say (relative standard error past MAX_RELATIVE_ERROR).
 */
export function conversionLift(control: ArmTotals, arm: ArmTotals, noise: NoiseVariance): LiftInterval | null {
  const vc = logRateVariance(control, noise);
  const va = logRateVariance(arm, noise);
  if (vc === null || va === null) return null;
  return logRatioInterval(arm.converted / arm.devices, control.converted / control.devices, vc + va);
}

function logRatioInterval(arm: number, control: number, variance: number): LiftInterval {
  const log = Math.log(arm) - Math.log(control);
  const half = Z95 * Math.sqrt(variance);
  return { lift: Math.expm1(log), low: Math.expm1(log - half), high: Math.expm1(log + half) };
}

/**
 * The variance of log(revenue / devices), by the delta method as for conversion: the sampling
 * variance of a mean of n devices' revenues, n·Var(r) / revenue², plus the noise on both totals.
 * Var(r) is bounded from the histogram: each bucket's devices are taken at its top (the clip for
 * the last), which overstates the second moment, so the interval errs wide.
 */
function logRevenueVariance(totals: ArmTotals, noise: NoiseVariance): number | null {
  const { revenue, devices } = totals;
  if (revenue === undefined || !(revenue > 0 && devices > 0)) return null;
  const second =
    REVENUE_BUCKETS.reduce(
      (sum, b) => sum + Math.max(0, totals[b.field] ?? 0) * Math.min(b.upTo, REVENUE_CAP) ** 2,
      0,
    ) / devices;
  const perDevice = revenue / devices;
  const spread = Math.max(0, second - perDevice ** 2);
  const revenueTerm = (devices * spread + noise.revenue) / revenue ** 2;
  if (revenueTerm > MAX_RELATIVE_ERROR ** 2) return null;
  return revenueTerm + noise.devices / devices ** 2;
}

/**
 * The lift of `arm` over `control` in attributed revenue per device, with a 95% interval on the
 * log of the ratio (sampling and noise); null without revenue fields or with too little revenue to say.
 */
export function revenueLift(control: ArmTotals, arm: ArmTotals, noise: NoiseVariance): LiftInterval | null {
  const vc = logRevenueVariance(control, noise);
  const va = logRevenueVariance(arm, noise);
  if (vc === null || va === null) return null;
  return logRatioInterval(arm.revenue! / arm.devices, control.revenue! / control.devices, vc + va);
}
