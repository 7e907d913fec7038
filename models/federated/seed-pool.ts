import type { SimulationResult } from './simulation-report.js';

/** One seed's gains over its own pretrained model (NDCG@10). */
export interface SeedGains {
  seed: number;
  pretrained: number;
  centralizedGain: number;
  federatedGain?: number;
  federatedDpGain?: number;
}

/** Several seeds of `npm run simulate`, pooled. */
export interface SeedPool {
  seeds: SeedGains[];
  /** Federated gain summed over seeds over the centralized gain summed over seeds (absent when no seed has the run or the ceilings gain nothing in total). */
  federatedShare?: number;
  federatedDpShare?: number;
}

/**
 * Pools complete simulations run with different seeds (each its own public/federated split,
 * pretrained model, cohorts and negatives). The gains are a thousandth or two of NDCG@10, the
 * size of a single seed's evaluation noise, so one seed's share can read 40% or 170% for the same
 * algorithm; the pooled share is a ratio of mean gains, which stays defined when one seed's
 * ceiling gain is near zero (a mean of per-seed ratios would not).
 */
export function poolSeeds(results: readonly SimulationResult[]): SeedPool {
  if (results.length === 0) throw new Error('nothing to pool');
  const seeds = results.map((r): SeedGains => {
    if (!r.centralized) throw new Error(`seed ${String(r.settings.seed)} has no centralized run: its share has no denominator`);
    const base = r.pretrained['NDCG@10'];
    return {
      seed: Number(r.settings.seed),
      pretrained: base,
      centralizedGain: r.centralized['NDCG@10'] - base,
      ...(r.federated && { federatedGain: r.federated['NDCG@10'] - base }),
      ...(r.federated_dp && { federatedDpGain: r.federated_dp['NDCG@10'] - base }),
    };
  });
  if (new Set(seeds.map((s) => s.seed)).size !== seeds.length) throw new Error('each seed may be pooled once');
  const share = (pick: (s: SeedGains) => number | undefined): number | undefined => {
    const having = seeds.filter((s) => pick(s) !== undefined);
    if (having.length === 0) return undefined;
    const ceiling = having.reduce((sum, s) => sum + s.centralizedGain, 0);
    // No gain to recover: a share would be meaningless (the table says so).
    if (!(ceiling > 0)) return undefined;
    return having.reduce((sum, s) => sum + pick(s)!, 0) / ceiling;
  };
  const federatedShare = share((s) => s.federatedGain);
  const federatedDpShare = share((s) => s.federatedDpGain);
  return { seeds, ...(federatedShare !== undefined && { federatedShare }), ...(federatedDpShare !== undefined && { federatedDpShare }) };
}

/** The per-seed table and the pooled shares. */
export function poolTable(pool: SeedPool): string {
  const cell = (v: number | undefined) => (v === undefined ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(4)}`).padStart(12);
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(0)}%`);
  const lines = [`${'seed'.padEnd(6)}${'pretrained'.padStart(12)}${'centralized'.padStart(12)}${'federated'.padStart(12)}${'DP'.padStart(12)}   (NDCG@10 gains)`];
  for (const s of pool.seeds) lines.push(`${String(s.seed).padEnd(6)}${s.pretrained.toFixed(4).padStart(12)}${cell(s.centralizedGain)}${cell(s.federatedGain)}${cell(s.federatedDpGain)}   federated ${pct(s.federatedGain === undefined || !(s.centralizedGain > 0) ? undefined : s.federatedGain / s.centralizedGain)} of its ceiling`);
  lines.push(`pooled share of the centralized gain: federated ${pct(pool.federatedShare)}, federated with DP ${pct(pool.federatedDpShare)}`);
  return lines.join('\n');
}
