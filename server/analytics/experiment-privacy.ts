import { countSensitivity, layoutLength, type CounterLayout } from '../../protocol/analytics/counter-vector.js';
import type { ReleaseRow } from '../store/analytics-store.js';
import { ddgLocalVarianceFor, ddgRdp, type DdgRelease } from '../privacy/ddg-accountant.js';
import { epsilonFromRdp, RDP_ORDERS } from '../privacy/rdp-accountant.js';
import type { ServerConfig } from '../rounds/server-config.js';
import { rowLayout } from './row-layout.js';

/** The delta of the analytics guarantee: the configured one, or 1 / population. */
export const analyticsDelta = (config: Pick<ServerConfig, 'analyticsDelta' | 'population'>): number =>
  config.analyticsDelta || 1 / config.population;

/**
 * The local variance an analytics round's clients add, fixed when its check-in closes: the
 * least at which the sum of `threshold` clients' noise spends `analyticsEpsilon`. More survivors
 * add more noise, so the guarantee holds for any sum the round may publish.
 */
export function analyticsLocalVariance(
  config: Pick<ServerConfig, 'analyticsEpsilon' | 'analyticsDelta' | 'population'>,
  threshold: number,
  layout: CounterLayout,
): number {
  return ddgLocalVarianceFor(config.analyticsEpsilon, analyticsDelta(config), {
    l2Sensitivity: countSensitivity(layout).l2,
    clients: threshold,
    dimension: layoutLength(layout),
  });
}

/** One analytics round's release, as its accounting needs it. */
export interface AnalyticsRelease {
  period: number;
  /** Fewest clients whose noise the sum carries. */
  threshold: number;
  localVariance: number;
  dimension: number;
  /** One device's largest L2 contribution, integer units (its layout's; see countSensitivity). */
  l2Sensitivity: number;
}

/** What the accountant reads of a stored release. */
export const asRelease = (row: ReleaseRow): AnalyticsRelease => releaseOf(rowLayout(row), row);

/** An analytics round of `layout` as the accountant reads it. */
export const releaseOf = (
  layout: CounterLayout,
  r: { period: number; threshold: number; local_variance: number },
): AnalyticsRelease => ({
  period: r.period,
  threshold: r.threshold,
  localVariance: r.local_variance,
  dimension: layoutLength(layout),
  l2Sensitivity: countSensitivity(layout).l2,
});

const asDdg = (r: AnalyticsRelease): DdgRelease => ({
  l2Sensitivity: r.l2Sensitivity,
  clients: r.threshold,
  localVariance: r.localVariance,
  dimension: r.dimension,
});

/**
 * What an experiment's releases spend for a device that reported in every period: rounds of
 * one period have disjoint cohorts (a device reports a period once), so a period costs the most
 * any of its rounds does (order by order, in RDP); periods compose, their RDP adding up.
 */
export function experimentEpsilon(releases: readonly AnalyticsRelease[], delta: number): number {
  if (releases.length === 0) return 0;
  const byPeriod = new Map<number, number[]>();
  for (const r of releases) {
    const rdp = RDP_ORDERS.map((order) => ddgRdp(order, asDdg(r)));
    const seen = byPeriod.get(r.period);
    byPeriod.set(r.period, seen ? seen.map((v, i) => Math.max(v, rdp[i]!)) : rdp);
  }
  const total = RDP_ORDERS.map((_, i) => [...byPeriod.values()].reduce((sum, rdp) => sum + rdp[i]!, 0));
  return epsilonFromRdp(total, delta).epsilon;
}

/** The largest epsilon of one period's releases (what `analyticsEpsilon` promises per period). */
export function periodEpsilon(releases: readonly AnalyticsRelease[], delta: number): number {
  return Math.max(0, ...releases.map((r) => experimentEpsilon([r], delta)));
}
