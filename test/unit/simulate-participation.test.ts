import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dpFedAvgEpsilon } from '../../server/privacy/rdp-accountant.js';

const run = promisify(execFile);

const BEAUTY = '../shared/data/amazon-beauty/Beauty.txt';

describe('npm run simulate with realistic participation (the first 2,500 Beauty users, 2 rounds)', () => {
  it('pretrains a 5% seed, samples rounds by Poisson with a tenth dropping out, accounts for q, and tabulates the runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-sim-poisson-'));
    const [data, json, cache] = ['beauty-2500.txt', 'sim.json', 'pretrained.json'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
    ];
    await writeFile(data, (await readFile(BEAUTY, 'utf8')).split('\n').slice(0, 2500).join('\n') + '\n');
    const tsx = join('node_modules', '.bin', 'tsx');
    const common = [
      ...['--data', data, '--public-share', '0.05', '--participation', '0.01', '--dropout', '0.1'],
      ...['--max-cohort', '60', '--rounds', '2', '--pretrain-epochs', '1', '--eval-users', '300', '--eval-every', '1'],
      ...['--pretrained', cache],
    ];
    const { stderr } = await run(
      tsx,
      ['experiments/simulate.ts', ...common, '--only', 'federated_dp', '--json', json],
      {
        maxBuffer: 1 << 24,
      },
    );
    const result = JSON.parse(await readFile(json, 'utf8')) as {
      settings: {
        population: number;
        vectorLength: number;
        participation: { rate: number; maxCohort: number; dropout: number };
      };
      federated_dp: {
        epsilon: number;
        noiseMultiplier: number;
        rounds: number;
        perRound: number[];
        costs: Record<string, number>;
      };
    };
    // 95% of the users (those with 3 items or more) federate: the seed pretrains on the other 5%.
    expect(result.settings.population).toBe(2_375);
    expect(result.settings.participation).toEqual({ rate: 0.01, maxCohort: 60, dropout: 0.1 });
    // Each round samples ~24 users; a tenth of each cohort leaves at a random phase and the round still ends.
    const cohorts = [...stderr.matchAll(/(\d+) of (\d+) clients dropped out/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(cohorts.length).toBeGreaterThan(0);
    for (const [dropped, size] of cohorts) expect(dropped).toBeLessThan(size! / 2);
    expect(result.federated_dp.perRound).toHaveLength(2);
    // The accountant's q is the sampling rate, not a fixed cohort's share of the population.
    const { epsilon, noiseMultiplier } = result.federated_dp;
    expect(epsilon).toBeCloseTo(dpFedAvgEpsilon(0.01, noiseMultiplier, 2, 1 / result.settings.population), 6);
    expect(epsilon).toBeLessThanOrEqual(8.0001);
    // The real server's rounds report what each client sent and received: at least its masked
    // 512 KB vector up, and the model down.
    const { costs } = result.federated_dp;
    expect(costs.upBytesPerClient).toBeGreaterThan(result.settings.vectorLength * 4 * 0.5);
    expect(costs.downBytesPerClient).toBeGreaterThan(result.settings.vectorLength * 4);
    // The same seed model (cached) with its ceiling, a no-DP run and a DP run at ε = 1, summed
    // exactly instead of through SecAgg, then the table over them.
    const [plainJson, dp1Json] = ['plain.json', 'dp1.json'].map((f) => join(dir, f)) as [string, string];
    await run(
      tsx,
      [
        'experiments/simulate.ts',
        ...common,
        ...['--only', 'federated,centralized', '--aggregation', 'exact', '--centralized-epochs', '1'],
        ...['--centralized-lr', '0.0003', '--json', plainJson],
      ],
      { maxBuffer: 1 << 24 },
    );
    await run(
      tsx,
      [
        'experiments/simulate.ts',
        ...common,
        '--only',
        'federated_dp',
        '--aggregation',
        'exact',
        '--epsilon',
        '1',
        '--json',
        dp1Json,
      ],
      { maxBuffer: 1 << 24 },
    );
    const { stdout } = await run(tsx, ['experiments/simulate.ts', '--fleet', [json, plainJson, dp1Json].join(',')], {
      maxBuffer: 1 << 24,
    });
    for (const setting of [
      'seed model',
      'centralized ceiling',
      'federated, no DP',
      'federated, DP ε = 8',
      'federated, DP ε = 1',
    ])
      expect(stdout).toMatch(new RegExp(`^\\| ${setting} \\| 1 \\|`, 'm'));
    expect(stdout).toMatch(/seed model → ceiling gap: -?\.\d{4} NDCG@10.*\(one seed: no spread\)/);
    const plain = JSON.parse(await readFile(plainJson, 'utf8'));
    expect(plain.settings.aggregation).toBe('exact');
    expect(plain.federated.costs).toMatchObject({ rounds: 2 });
    expect(plain.federated.costs.trainingMsPerClient).toBeGreaterThan(0);
    expect(plain.federated.costs).not.toHaveProperty('upBytesPerClient');
  }, 600_000);
});
