import type { CountField } from '../../protocol/analytics/counter-vector.js';
import type { ArmFigures, LiftInterval } from '../../protocol/responses.js';

/** The normal quantile of a two-sided 95% interval. */
const Z95 = 1.959963984540054;

const ratio = (num: number, den: number) => (den > 0 && num >= 0 ? num / den : null);

/** Rates of one arm; a rate whose noisy denominator is not positive is null (too few devices to say). */
export function armReport(totals: Record<CountField, number>): ArmFigures {
  return {
    totals,
    ctr: ratio(totals.clicks, totals.impressions),
    addToCartRate: ratio(totals.addToCarts, totals.impressions),
    conversion: ratio(totals.converted, totals.devices),
  };
}

/**
 * The variance of log(converted / devices) from a round's noisy totals, by the delta method: the
 * sampling variance of a proportion, (1 − p) / converted, plus the DP noise on both totals,
 * σ²_converted / converted² + σ²_devices / devices², the variances of the noise on each total in counts.
 */
function logRateVariance(totals: Record<CountField, number>, noise: NoiseVariance): number | null {
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
export function conversionLift(
  control: Record<CountField, number>,
  arm: Record<CountField, number>,
  noise: NoiseVariance,
): LiftInterval | null {
  const vc = logRateVariance(control, noise);
  const va = logRateVariance(arm, noise);
  if (vc === null || va === null) return null;
  const log = Math.log(arm.converted / arm.devices) - Math.log(control.converted / control.devices);
  const half = Z95 * Math.sqrt(vc + va);
  return { lift: Math.expm1(log), low: Math.expm1(log - half), high: Math.expm1(log + half) };
}
