import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dpFedAvgEpsilon } from '../../server/privacy/rdp-accountant.js';

const run = promisify(execFile);

describe('npm run simulate with realistic participation (2 rounds on Amazon Beauty)', () => {
  it('pretrains a 5% public seed, samples each round by Poisson, loses a tenth of each cohort, and accounts for q', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-sim-poisson-'));
    const json = join(dir, 'sim.json');
    const { stderr } = await run(
      join('node_modules', '.bin', 'tsx'),
      [
        'experiments/simulate.ts',
        ...['--public-share', '0.05', '--participation', '0.002', '--dropout', '0.1', '--max-cohort', '60'],
        ...['--rounds', '2', '--epsilon', '8', '--pretrain-epochs', '1', '--eval-users', '300', '--eval-every', '1'],
        ...['--only', 'federated_dp', '--json', json],
      ],
      { maxBuffer: 1 << 24 },
    );
    const result = JSON.parse(await readFile(json, 'utf8')) as {
      settings: { population: number; participation: { rate: number; maxCohort: number; dropout: number } };
      federated_dp: { epsilon: number; noiseMultiplier: number; rounds: number; perRound: number[] };
    };
    // 95% of the users federate: the seed pretrains on the other 5%.
    expect(result.settings.population).toBeGreaterThan(20_000);
    expect(result.settings.participation).toEqual({ rate: 0.002, maxCohort: 60, dropout: 0.1 });
    // Each round samples ~42 users; a tenth of each cohort leaves at a random phase and the round still ends.
    const cohorts = [...stderr.matchAll(/(\d+) of (\d+) clients dropped out/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(cohorts.length).toBeGreaterThan(0);
    for (const [dropped, size] of cohorts) expect(dropped).toBeLessThan(size! / 2);
    expect(result.federated_dp.perRound).toHaveLength(2);
    // The accountant's q is the sampling rate, not a fixed cohort's share of the population.
    const { epsilon, noiseMultiplier } = result.federated_dp;
    expect(epsilon).toBeCloseTo(dpFedAvgEpsilon(0.002, noiseMultiplier, 2, 1 / result.settings.population), 6);
    expect(epsilon).toBeLessThanOrEqual(8.0001);
  }, 600_000);
});
