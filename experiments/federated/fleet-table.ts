import type { RunCosts, Score, SimulationResult } from './simulation-report.js';

/** One setting's scores over seeds, and the share of each seed's seed→ceiling gap it closed. */
export interface FleetSetting {
  setting: string;
  /** Per seed: test NDCG@10 / HR@10 and the share of that seed's gap closed (absent for the ceiling's own row). */
  seeds: { seed: number; score: Score; share?: number; rounds?: number }[];
  mean: Score;
  /** Sample standard deviation over seeds (0 with one seed). */
  sd: Score;
  /** Mean gain over the mean gap: a ratio of means, defined where one seed's share swings. */
  pooledShare?: number;
  /** The federated runs' costs, averaged over the seeds that recorded them. */
  costs?: RunCosts;
}

/** The experiment of issue #33 over seeds: seed model, ceiling, federated without and with DP at each ε. */
export interface FleetSummary {
  settings: FleetSetting[];
  /** The seed model→ceiling gap (NDCG@10): its mean, and the seed-to-seed noise it must stand above. */
  gap: { mean: number; sdSeedModel: number; sdCeiling: number; sdGap: number; overNoise?: number };
}

const stats = (xs: readonly number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd };
};

/** Field by field mean of several runs' costs (bytes only where every run measured them). */
function meanCosts(all: readonly RunCosts[]): RunCosts | undefined {
  if (all.length === 0) return undefined;
  const mean = (f: (c: RunCosts) => number) => all.reduce((s, c) => s + f(c), 0) / all.length;
  const bytes = all.every((c) => c.upBytesPerClient !== undefined && c.downBytesPerClient !== undefined);
  return {
    rounds: mean((c) => c.rounds),
    meanCohort: mean((c) => c.meanCohort),
    secondsPerRound: mean((c) => c.secondsPerRound),
    trainingMsPerClient: mean((c) => c.trainingMsPerClient),
    ...(bytes && {
      upBytesPerClient: mean((c) => c.upBytesPerClient!),
      downBytesPerClient: mean((c) => c.downBytesPerClient!),
    }),
  };
}

/**
 * Joins `npm run simulate` results (any mix of --only parts) by seed: each seed needs its
 * pretrained score to agree across its files (one seed model) and one ceiling; DP runs are told
 * apart by ε, rounded to a tenth. Shares are (setting − seed model) / (ceiling − seed model) on
 * test NDCG@10, seed by seed, and pooled as a ratio of mean gains.
 */
export function fleetSummary(results: readonly SimulationResult[]): FleetSummary {
  const bySeed = new Map<number, SimulationResult[]>();
  for (const r of results) {
    const seed = Number(r.settings.seed);
    bySeed.set(seed, [...(bySeed.get(seed) ?? []), r]);
  }
  const rows = new Map<string, { seed: number; score: Score; rounds?: number; costs?: RunCosts }[]>();
  const add = (setting: string, seed: number, score: Score & { costs?: RunCosts }, rounds?: number) => {
    const list = rows.get(setting) ?? [];
    if (list.some((s) => s.seed === seed)) throw new Error(`seed ${seed} has two "${setting}" results`);
    const kept = { 'NDCG@10': score['NDCG@10'], 'HR@10': score['HR@10'] };
    rows.set(setting, [...list, { seed, score: kept, rounds, ...(score.costs && { costs: score.costs }) }]);
  };
  const gaps = new Map<number, { pre: number; gap: number }>();
  for (const [seed, parts] of [...bySeed].sort((a, b) => a[0] - b[0])) {
    const pre = parts[0]!.pretrained;
    for (const p of parts)
      if (Math.abs(p.pretrained['NDCG@10'] - pre['NDCG@10']) > 1e-12)
        throw new Error(`seed ${seed}'s files disagree on the seed model: not one experiment`);
    add('seed model', seed, pre);
    const ceiling = parts.filter((p) => p.centralized);
    if (ceiling.length !== 1)
      throw new Error(`seed ${seed} needs exactly one centralized result, has ${ceiling.length}`);
    add('centralized ceiling', seed, ceiling[0]!.centralized!);
    gaps.set(seed, { pre: pre['NDCG@10'], gap: ceiling[0]!.centralized!['NDCG@10'] - pre['NDCG@10'] });
    for (const p of parts) {
      if (p.federated) add('federated, no DP', seed, p.federated, p.federated.selectedRound);
      const dp = p.federated_dp;
      const fleet = dp?.population ? `, accounted for ${dp.population} shoppers` : '';
      if (dp) add(`federated, DP ε = ${Math.round(dp.epsilon * 10) / 10}${fleet}`, seed, dp, dp.rounds);
    }
  }
  const settings = [...rows].map(([setting, seeds]): FleetSetting => {
    const withShare = seeds.map(({ costs: _, ...s }) => {
      const { pre, gap } = gaps.get(s.seed)!;
      return setting === 'seed model' || setting === 'centralized ceiling'
        ? s
        : { ...s, share: (s.score['NDCG@10'] - pre) / gap };
    });
    const costs = meanCosts(seeds.flatMap((s) => (s.costs ? [s.costs] : [])));
    const ndcg = stats(seeds.map((s) => s.score['NDCG@10']));
    const hr = stats(seeds.map((s) => s.score['HR@10']));
    const gain = stats(seeds.map((s) => s.score['NDCG@10'] - gaps.get(s.seed)!.pre)).mean;
    const gap = stats(seeds.map((s) => gaps.get(s.seed)!.gap)).mean;
    return {
      setting,
      seeds: withShare,
      mean: { 'NDCG@10': ndcg.mean, 'HR@10': hr.mean },
      sd: { 'NDCG@10': ndcg.sd, 'HR@10': hr.sd },
      ...(setting !== 'seed model' && setting !== 'centralized ceiling' && { pooledShare: gain / gap }),
      ...(costs && { costs }),
    };
  });
  const gapStats = stats([...gaps.values()].map((g) => g.gap));
  const sdSeedModel = settings[0]!.sd['NDCG@10'];
  const sdCeiling = settings[1]!.sd['NDCG@10'];
  const noise = Math.max(sdSeedModel, sdCeiling, gapStats.sd);
  return {
    settings,
    gap: {
      mean: gapStats.mean,
      sdSeedModel,
      sdCeiling,
      sdGap: gapStats.sd,
      // One seed has no spread to compare with.
      ...(gaps.size > 1 && { overNoise: gapStats.mean / noise }),
    },
  };
}

const f4 = (x: number) => x.toFixed(4).replace(/^(-?)0\./, '$1.');
/** Per-seed values, or nothing when no seed has one. */
const list = (xs: string[]) => (xs.every((x) => x === '') ? '' : xs.join(', '));
const pct = (x: number | undefined) => (x === undefined ? '' : `${(x * 100).toFixed(0)}%`);

/** The summary as a markdown table, one row per setting, with the gap's size against the noise. */
export function fleetTable(summary: FleetSummary): string {
  const lines = [
    '| setting | seeds | NDCG@10 (mean ± sd) | HR@10 (mean ± sd) | gap closed, pooled | per seed | rounds | mean cohort | s a round | training ms a client |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summary.settings
      .map((s) =>
        [
          s.setting,
          s.seeds.map((x) => x.seed).join(', '),
          `${f4(s.mean['NDCG@10'])} ± ${f4(s.sd['NDCG@10'])}`,
          `${f4(s.mean['HR@10'])} ± ${f4(s.sd['HR@10'])}`,
          pct(s.pooledShare),
          list(s.seeds.map((x) => pct(x.share))),
          list(s.seeds.map((x) => String(x.rounds ?? ''))),
          s.costs ? s.costs.meanCohort.toFixed(0) : '',
          s.costs ? s.costs.secondsPerRound.toFixed(1) : '',
          s.costs ? s.costs.trainingMsPerClient.toFixed(0) : '',
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
  ];
  const g = summary.gap;
  lines.push(
    '',
    `seed model → ceiling gap: ${f4(g.mean)} NDCG@10; seed-to-seed sd: seed model ${f4(g.sdSeedModel)}, ` +
      `ceiling ${f4(g.sdCeiling)}, gap ${f4(g.sdGap)}` +
      (g.overNoise === undefined ? ' (one seed: no spread)' : `: the gap is ${g.overNoise.toFixed(1)}x the largest`),
  );
  return lines.join('\n');
}
