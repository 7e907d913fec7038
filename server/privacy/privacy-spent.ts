import type { ServerConfig } from '../rounds/server-config.js';
import { composedRdp, epsilonFromRdp, RDP_ORDERS } from './rdp-accountant.js';

/** What DP-FedAvg has spent, as `GET /v1/privacy` and the budget check read it. */
export interface PrivacySpent {
  epsilon: number;
  /** What one more round at the largest cohort would bring epsilon to. */
  projectedEpsilon: number;
  delta: number;
  budget: number;
  rounds: number;
  noiseMultiplier: number;
}

/**
 * Privacy spent by the finished rounds: each is a sampled Gaussian mechanism with
 * q = cohort / population and its noise multiplier, composed with the RDP accountant.
 * A round without noise spends an unbounded epsilon.
 */
export function privacySpent(
  finished: readonly { cohort: number; noise_multiplier: number }[],
  config: Pick<ServerConfig, 'population' | 'noiseMultiplier' | 'maxClients' | 'epsilonBudget' | 'delta'>,
): PrivacySpent {
  const { population, noiseMultiplier, maxClients, epsilonBudget } = config;
  const delta = config.delta || 1 / population;
  const total = (extra: { cohort: number; noise_multiplier: number }[]) => {
    const all = [...finished, ...extra];
    if (all.length === 0) return 0;
    if (all.some((r) => r.noise_multiplier === 0)) return Infinity;
    const rdp = RDP_ORDERS.map(() => 0);
    for (const r of all)
      composedRdp(Math.min(1, r.cohort / population), r.noise_multiplier, 1).forEach((v, i) => (rdp[i] = rdp[i]! + v));
    return epsilonFromRdp(rdp, delta).epsilon;
  };
  return {
    epsilon: total([]),
    projectedEpsilon: total([{ cohort: maxClients, noise_multiplier: noiseMultiplier }]),
    delta,
    budget: epsilonBudget,
    rounds: finished.length,
    noiseMultiplier,
  };
}
