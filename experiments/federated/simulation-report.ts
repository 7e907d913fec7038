import type { CeilingTrial } from './centralized-ceiling.js';
import type { PairedGain } from './personalization-gain.js';
import { ndcgPlotSvg } from './plot-svg.js';
import type { RoundCost } from './simulation.js';

/** NDCG@10 and HR@10 of one setting. */
export interface Score {
  'NDCG@10': number;
  'HR@10': number;
}

/** A run's rounds summed up (see RoundCost): what a round costs the clients and the machine. */
export interface RunCosts {
  /** Rounds this process ran (a resumed run counts only its own). */
  rounds: number;
  meanCohort: number;
  /** Wall time of a round: every client's training, one after another in this process, plus aggregation. */
  secondsPerRound: number;
  /** One client's local training, the part a device computes before it masks. */
  trainingMsPerClient: number;
  /** Rounds that ended without a sum (absent when none did). */
  abortedRounds?: number;
  /** Through the real server only: bytes each cohort client sends and receives in a round. */
  upBytesPerClient?: number;
  downBytesPerClient?: number;
}

/** Sums up the rounds' costs. */
export function summarizeCosts(costs: readonly RoundCost[]): RunCosts | undefined {
  if (costs.length === 0) return undefined;
  const mean = (f: (c: RoundCost) => number) => costs.reduce((s, c) => s + f(c), 0) / costs.length;
  const trained = costs.reduce((s, c) => s + c.trained, 0);
  const bytes = costs.every((c) => c.upBytesPerClient !== undefined);
  const aborted = costs.filter((c) => c.aborted).length;
  return {
    rounds: costs.length,
    meanCohort: mean((c) => c.cohort),
    secondsPerRound: mean((c) => c.seconds),
    trainingMsPerClient: trained === 0 ? 0 : (1000 * costs.reduce((s, c) => s + c.trainingSeconds, 0)) / trained,
    ...(aborted > 0 && { abortedRounds: aborted }),
    ...(bytes && {
      upBytesPerClient: mean((c) => c.upBytesPerClient!),
      downBytesPerClient: mean((c) => c.downBytesPerClient!),
    }),
  };
}

/** What `npm run simulate` writes with --json; a run limited by --only carries only its settings. */
export interface SimulationResult {
  pretrained: Score;
  /** selectedRound: the round reported (best validation NDCG@10, or the last); perRoundValid: validation NDCG@10 at evaluatedRounds. */
  federated?: Score & {
    perRound: number[];
    perRoundValid?: number[];
    selectedRound?: number;
    select?: string;
    clip?: number;
    weighting?: string;
    costs?: RunCosts;
  };
  /** The DP run's cohort, rounds, clip and server learning rate may differ from the run without DP; `coordinates` is how many values it sends. */
  federated_dp?: Score & {
    epsilon: number;
    delta: number;
    /**
     * Set when the run is accounted for a larger fleet than it simulates (--dp-population): its
     * cohorts carry the noise on the mean of that fleet's, `appliedNoiseMultiplier` of their own.
     */
    population?: number;
    appliedNoiseMultiplier?: number;
    noiseMultiplier: number;
    clients?: number;
    rounds?: number;
    serverOptimizer?: 'fedavg' | 'fedadam';
    serverLearningRate?: number;
    part?: 'all' | 'rows';
    coordinates?: number;
    clip?: number;
    weighting?: { examples: number; cap: number };
    threshold?: number;
    effectiveNoiseMultiplier?: number;
    evaluatedRounds?: number[];
    perRound: number[];
    perRoundValid?: number[];
    costs?: RunCosts;
  };
  /** learningRate: the rate validation chose among `trials` (older results name neither). */
  centralized?: Score & { bestEpoch: number; learningRate?: number; trials?: CeilingTrial[] };
  personalization?: {
    users: number;
    before: Score;
    after: Score;
    paired?: PairedGain;
    steps: number;
    learningRate: number;
  };
  evaluatedRounds?: number[];
  settings: Record<string, unknown>;
}

/** The settings one run can compute besides the pretrained score (`--only` picks among them). */
export const SETTINGS = ['federated', 'federated_dp', 'centralized', 'personalization'] as const;

/** The settings that must agree for parts of one experiment to be merged. */
const SAME = [
  'clients',
  'seed',
  'population',
  'evaluatedUsers',
  'vectorLength',
  'serverLearningRate',
  'serverAdamTau',
  'localLearningRate',
  'localSteps',
] as const;

/**
 * Joins the parts of one experiment run as separate processes (e.g. `--only federated_dp` on one
 * core and the rest on the other): every setting is taken from exactly one part.
 */
export function mergeResults(parts: readonly SimulationResult[]): SimulationResult {
  if (parts.length === 0) throw new Error('nothing to merge');
  const [first] = parts as [SimulationResult];
  for (const part of parts) {
    for (const key of SAME) {
      if (JSON.stringify(part.settings[key]) !== JSON.stringify(first.settings[key]))
        throw new Error(
          `cannot merge: setting ${key} is ${JSON.stringify(part.settings[key])} in one part and ${JSON.stringify(first.settings[key])} in another`,
        );
    }
    if (Math.abs(part.pretrained['NDCG@10'] - first.pretrained['NDCG@10']) > 1e-9)
      throw new Error('cannot merge: the parts start from different pretrained models');
  }
  // Rounds may differ between parts: the run without DP sets the top-level rounds (the DP run carries its own).
  const lead = parts.find((p) => p.federated) ?? first;
  const merged: SimulationResult = { ...first, settings: lead.settings };
  for (const key of SETTINGS) {
    const having = parts.filter((p) => p[key] !== undefined);
    if (having.length > 1) throw new Error(`cannot merge: ${key} is in more than one part`);
    if (having[0]) Object.assign(merged, { [key]: having[0][key] });
  }
  merged.evaluatedRounds = lead.evaluatedRounds ?? parts.find((p) => p.evaluatedRounds)?.evaluatedRounds;
  return merged;
}

/** The comparison table, with each federated setting's share of the centralized gain. */
export function resultTable(result: SimulationResult): string {
  const { pretrained, centralized } = result;
  const gain = centralized ? centralized['NDCG@10'] - pretrained['NDCG@10'] : NaN;
  const share = (m: Score) =>
    gain > 0 ? `${(((m['NDCG@10'] - pretrained['NDCG@10']) / gain) * 100).toFixed(0)}%` : 'n/a';
  const lines = [`${'setting'.padEnd(44)}${'NDCG@10'.padStart(9)}${'HR@10'.padStart(9)}  of the centralized gain`];
  const row = (name: string, m: Score, note = '') =>
    lines.push(`${name.padEnd(44)}${m['NDCG@10'].toFixed(4).padStart(9)}${m['HR@10'].toFixed(4).padStart(9)}  ${note}`);
  row('pretrained only', pretrained);
  const rounds = Number(result.settings.rounds);
  // Poisson-sampled runs have no fixed cohort: the label gives the sampling rate.
  const poisson = result.settings.participation as { rate: number } | undefined;
  const clients = poisson ? `q ${poisson.rate}` : Number(result.settings.clients);
  const f = result.federated;
  if (f)
    row(
      `federated, no DP (${clients} x ${rounds}${f.selectedRound !== undefined && f.selectedRound !== rounds ? `, round ${f.selectedRound}` : ''})`,
      f,
      share(f),
    );
  const dp = result.federated_dp;
  if (dp) {
    const values =
      dp.coordinates !== undefined && dp.coordinates !== result.settings.vectorLength
        ? `, ${dp.coordinates} values`
        : '';
    const cohort = poisson ? clients : (dp.clients ?? clients);
    const fleet = dp.population ? ` in a fleet of ${dp.population}` : '';
    row(
      `federated, DP eps ${dp.epsilon.toFixed(2)}${fleet} (z ${dp.noiseMultiplier.toFixed(2)}, ${cohort} x ${dp.rounds ?? rounds}${values})`,
      dp,
      share(dp),
    );
  }
  if (centralized)
    row(
      `centralized fine-tuning (${centralized.bestEpoch.toFixed(2)} epochs${centralized.learningRate === undefined ? '' : `, lr ${centralized.learningRate}`})`,
      centralized,
      '100%',
    );
  const p = result.personalization;
  if (p) {
    lines.push(
      '',
      `on-device personalization, no server (${p.users} users, ${p.steps} steps at lr ${p.learningRate}):`,
    );
    row('  before', p.before);
    row('  after', p.after);
    if (p.paired)
      lines.push(
        `  per user: NDCG@10 after - before ${p.paired.meanDiff >= 0 ? '+' : ''}` +
          `${p.paired.meanDiff.toFixed(4)} ± ${p.paired.standardError.toFixed(4)} (standard error); held-out ` +
          `item ranked higher for ${p.paired.rankImproved}, lower for ${p.paired.rankWorsened}`,
      );
  }
  return lines.join('\n');
}

/**
 * NDCG@10 of both federated runs against the client updates they used (rounds x cohort: the two
 * runs may trade rounds for cohort size), with the pretrained and centralized levels.
 */
export function resultPlot(result: SimulationResult): string {
  const clients = Number(result.settings.clients);
  const rounds = result.evaluatedRounds ?? [];
  const dp = result.federated_dp;
  const series = [
    ...(result.federated
      ? [{ name: 'federated', color: '#1f77b4', values: result.federated.perRound, at: rounds.map((r) => r * clients) }]
      : []),
    ...(dp
      ? [
          {
            name: `federated, DP ε=${dp.epsilon.toFixed(1)}`,
            color: '#d62728',
            values: dp.perRound,
            at: (dp.evaluatedRounds ?? rounds).map((r) => r * (dp.clients ?? clients)),
          },
        ]
      : []),
  ];
  const levels = [
    { name: 'pretrained', color: '#888', value: result.pretrained['NDCG@10'] },
    ...(result.centralized ? [{ name: 'centralized', color: '#2ca02c', value: result.centralized['NDCG@10'] }] : []),
  ];
  return ndcgPlotSvg(series, levels, 'client updates (rounds x cohort)');
}
