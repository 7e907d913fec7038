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
  /** How far the federated runs clear #6's targets, seed by seed (absent below two seeds having the run). */
  federatedMargin?: TargetMargin;
  federatedDpMargin?: TargetMargin;
}

/**
 * A target share of the ceiling's gain, as a margin per seed: gain − target × ceiling gain. The
 * pooled share meets the target exactly when the margins' mean is ≥ 0, so the mean's standard
 * error over seeds says how firmly a pooled share clears it (seeds are independent draws of the
 * split, pretraining and noise).
 */
export interface TargetMargin {
  /** The share of the centralized gain asked for: 0.9 without DP, 0.5 with it (#6). */
  target: number;
  /** Mean over seeds of gain − target × centralized gain (NDCG@10). */
  mean: number;
  /** Sample standard deviation over seeds / √seeds. */
  standardError: number;
}

/** #6's targets: without DP at least 90% of the centralized gain, with DP at ε ≤ 8 at least half. */
export const SHARE_TARGETS = { federated: 0.9, federatedDp: 0.5 } as const;

function margin(
  seeds: readonly SeedGains[],
  gain: (s: SeedGains) => number | undefined,
  target: number,
): TargetMargin | undefined {
  const margins = seeds.filter((s) => gain(s) !== undefined).map((s) => gain(s)! - target * s.centralizedGain);
  if (margins.length < 2) return undefined;
  const mean = margins.reduce((a, b) => a + b, 0) / margins.length;
  const variance = margins.reduce((sum, m) => sum + (m - mean) ** 2, 0) / (margins.length - 1);
  return { target, mean, standardError: Math.sqrt(variance / margins.length) };
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
    if (!r.centralized)
      throw new Error(`seed ${String(r.settings.seed)} has no centralized run: its share has no denominator`);
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
  const federatedMargin = margin(seeds, (s) => s.federatedGain, SHARE_TARGETS.federated);
  const federatedDpMargin = margin(seeds, (s) => s.federatedDpGain, SHARE_TARGETS.federatedDp);
  return {
    seeds,
    ...(federatedShare !== undefined && { federatedShare }),
    ...(federatedDpShare !== undefined && { federatedDpShare }),
    ...(federatedMargin && { federatedMargin }),
    ...(federatedDpMargin && { federatedDpMargin }),
  };
}

/** The per-seed table and the pooled shares. */
export function poolTable(pool: SeedPool): string {
  const signed = (v: number, digits: number) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
  const cell = (v: number | undefined) => (v === undefined ? '—' : signed(v, 4)).padStart(12);
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(0)}%`);
  const lines = [
    `${'seed'.padEnd(6)}${'pretrained'.padStart(12)}${'centralized'.padStart(12)}${'federated'.padStart(12)}${'DP'.padStart(12)}   (NDCG@10 gains)`,
  ];
  for (const s of pool.seeds) {
    const of = (gain: number | undefined) =>
      pct(gain === undefined || !(s.centralizedGain > 0) ? undefined : gain / s.centralizedGain);
    lines.push(
      `${String(s.seed).padEnd(6)}${s.pretrained.toFixed(4).padStart(12)}${cell(s.centralizedGain)}` +
        `${cell(s.federatedGain)}${cell(s.federatedDpGain)}   of its ceiling: federated ${of(s.federatedGain)}, DP ${of(s.federatedDpGain)}`,
    );
  }
  lines.push(
    `pooled share of the centralized gain: federated ${pct(pool.federatedShare)}, federated with DP ${pct(pool.federatedDpShare)}`,
  );
  for (const [name, m] of [
    ['federated', pool.federatedMargin],
    ['federated with DP', pool.federatedDpMargin],
  ] as const) {
    if (!m) continue;
    const side = m.mean >= 0 ? 'above' : 'below';
    const distance =
      m.standardError > 0 ? `${Math.abs(m.mean / m.standardError).toFixed(1)} standard errors ${side}` : side;
    lines.push(
      `${name}: gain minus ${pct(m.target)} of the ceiling's, mean over seeds ${signed(m.mean, 5)} ± ` +
        `${m.standardError.toFixed(5)} (standard error; ${distance} the target)`,
    );
  }
  return lines.join('\n');
}
