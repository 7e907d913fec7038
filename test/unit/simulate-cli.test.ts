import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SASREC } from '../../models/sasrec/sasrec-config.js';

const run = promisify(execFile);

describe('npm run simulate (3 rounds on the first 6,000 Amazon Beauty users)', () => {
  it('pretrains, federates with and without DP through the real server, fine-tunes centrally, and reports all four (as two processes, merged)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-sim-'));
    const [json, plot, partA, partB, cache] = ['sim.json', 'sim.svg', 'a.json', 'b.json', 'pretrained.json'].map((f) =>
      join(dir, f),
    ) as [string, string, string, string, string];
    const tsx = join('node_modules', '.bin', 'tsx');
    // A slice of the data keeps the six runs' pretraining, ceiling and evaluation short.
    const data = join(dir, 'beauty-6000.txt');
    const beauty = await readFile('../shared/data/amazon-beauty/Beauty.txt', 'utf8');
    await writeFile(data, beauty.split('\n').slice(0, 6000).join('\n') + '\n');
    const flags = [
      '--data',
      data,
      '--clients',
      '8',
      '--rounds',
      '3',
      '--epsilon',
      '8',
      '--pretrain-epochs',
      '1',
      '--eval-users',
      '500',
      '--eval-every',
      '1',
      '--centralized-epochs',
      '1',
      '--personalize-users',
      '10',
      '--pretrained',
      cache,
    ];
    // One part per core, as a long run would: the second reuses the first's pretrained weights.
    await run(
      tsx,
      [
        'experiments/simulate.ts',
        ...flags,
        '--only',
        'federated,centralized,personalization',
        '--centralized-lr',
        '0.0003,0.001',
        '--weighting',
        'examples',
        '--plain-clip',
        '100',
        '--json',
        partA,
      ],
      { maxBuffer: 1 << 24 },
    );
    // The DP run with its own cohort, rounds and bounded client weights, sending the public top 2% of the vector.
    await run(
      tsx,
      [
        'experiments/simulate.ts',
        ...flags,
        '--only',
        'federated_dp',
        '--dp-clients',
        '12',
        '--dp-rounds',
        '2',
        '--dp-server-lr',
        '0.001',
        '--dp-coordinates',
        '0.02',
        '--dp-rank-users',
        '20',
        '--dp-weight-examples',
        '5',
        '--json',
        partB,
      ],
      { maxBuffer: 1 << 24 },
    );
    expect(JSON.parse(await readFile(partB, 'utf8'))).not.toHaveProperty('centralized');
    const { stdout } = await run(
      tsx,
      ['experiments/simulate.ts', '--merge', `${partA},${partB}`, '--json', json, '--plot', plot],
      { maxBuffer: 1 << 24 },
    );
    expect(stdout).toMatch(/federated, DP eps [\d.]+ \(z [\d.]+, 12 x 2, 2621 values\)[\s\S]*centralized fine-tuning/);
    await expect(run(tsx, ['experiments/simulate.ts', '--merge', `${partA},${partA}`])).rejects.toThrow(
      /in more than one part/,
    );
    const result = JSON.parse(await readFile(json, 'utf8'));
    for (const key of ['pretrained', 'federated', 'federated_dp', 'centralized'])
      expect(result[key]['NDCG@10']).toBeGreaterThanOrEqual(0);
    expect(result.federated.perRound).toHaveLength(3);
    // The ceiling tried both learning rates and kept the one validation preferred.
    const trials: { learningRate: number; validNdcg: number }[] = result.centralized.trials;
    expect(trials.map((t) => t.learningRate)).toEqual([0.0003, 0.001]);
    expect(result.centralized.learningRate).toBe(
      trials.reduce((a, b) => (b.validNdcg > a.validNdcg ? b : a)).learningRate,
    );
    expect(stdout).toContain(`epochs, lr ${result.centralized.learningRate})`);
    // Seeds pool into one share (this run is its only seed).
    const pooled = await run(tsx, ['experiments/simulate.ts', '--pool', json], { maxBuffer: 1 << 24 });
    expect(pooled.stdout).toMatch(/pooled share of the centralized gain: federated/);
    // Without DP the reported round is the one with the best validation NDCG@10, as for the ceiling.
    expect(result.federated).toMatchObject({ select: 'valid', clip: 100, weighting: 'examples' });
    const valid: number[] = result.federated.perRoundValid;
    expect(valid).toHaveLength(3);
    expect(result.federated.selectedRound).toBe(valid.indexOf(Math.max(...valid)) + 1);
    expect(result.federated['NDCG@10']).toBe(result.federated.perRound[result.federated.selectedRound - 1]);
    expect(result.federated_dp.perRound).toHaveLength(2);
    expect(result.federated_dp).toMatchObject({
      clients: 12,
      rounds: 2,
      serverLearningRate: 0.001,
      coordinates: Math.round(result.settings.vectorLength * 0.02),
      evaluatedRounds: [1, 2],
      weighting: { examples: 5, cap: 1 },
    });
    expect(result.federated_dp.perRoundValid).toHaveLength(2);
    // --dp-part rows sends the item rows' block only (the encoder stays as pretrained), here with FedAvg on the server.
    const rowsJson = join(dir, 'rows.json');
    await run(
      tsx,
      [
        'experiments/simulate.ts',
        ...flags,
        '--only',
        'federated_dp',
        '--dp-clients',
        '8',
        '--dp-rounds',
        '1',
        '--dp-server-optimizer',
        'fedavg',
        '--dp-server-lr',
        '1',
        '--dp-part',
        'rows',
        '--threshold',
        '0.9',
        '--dp-population',
        '1000000',
        '--json',
        rowsJson,
      ],
      { maxBuffer: 1 << 24 },
    );
    const rows = JSON.parse(await readFile(rowsJson, 'utf8'));
    expect(rows.federated_dp).toMatchObject({
      part: 'rows',
      serverOptimizer: 'fedavg',
      serverLearningRate: 1,
      coordinates: result.settings.federatedItemRows * DEFAULT_SASREC.hidden,
      threshold: 0.9,
    });
    // Noise shares sized for 90% of the cohort: the whole cohort's sum carries z / sqrt(0.9).
    expect(rows.federated_dp.effectiveNoiseMultiplier).toBeCloseTo(
      rows.federated_dp.noiseMultiplier / Math.sqrt(0.9),
      10,
    );
    // Accounted for a fleet of a million at the same rate: its cohorts' noise on the mean, scaled to these cohorts.
    expect(rows.federated_dp.population).toBe(1e6);
    expect(rows.federated_dp.delta).toBe(1e-6);
    expect(rows.federated_dp.appliedNoiseMultiplier).toBeCloseTo(
      (rows.federated_dp.noiseMultiplier * result.settings.population) / 1e6,
      12,
    );
    expect(rows.federated_dp.epsilon).toBeLessThanOrEqual(8);
    expect(result.federated_dp.population).toBeUndefined();
    expect(result.federated_dp.threshold).toBeCloseTo(2 / 3, 10);
    await expect(
      run(tsx, ['experiments/simulate.ts', ...flags, '--only', 'federated_dp', '--dp-population', '10']),
    ).rejects.toThrow(/--dp-population must be a whole number of shoppers, at least the \d+ simulated/);
    await expect(
      run(tsx, ['experiments/simulate.ts', ...flags, '--only', 'federated_dp', '--threshold', '0.5']),
    ).rejects.toThrow(/thresholdFraction must be in \(0.5, 1\].*got 0.5/);
    await expect(
      run(tsx, [
        'experiments/simulate.ts',
        ...flags,
        '--only',
        'federated_dp',
        '--dp-part',
        'rows',
        '--dp-coordinates',
        '0.02',
      ]),
    ).rejects.toThrow(/exclude each other/);
    await expect(run(tsx, ['experiments/simulate.ts', ...flags, '--server-optimizer', 'adam'])).rejects.toThrow(
      /--server-optimizer takes fedavg or fedadam; got "adam"/,
    );
    expect(result.federated_dp.epsilon).toBeLessThanOrEqual(8);
    expect(result.federated_dp.epsilon).toBeGreaterThan(7);
    expect(result.federated_dp.noiseMultiplier).toBeGreaterThan(0);
    expect(result.federated_dp.delta).toBeCloseTo(1 / result.settings.population, 12);
    // The federated part fits the 512 KB upload budget and includes popular item rows.
    expect(result.settings.vectorLength * 4).toBeLessThanOrEqual(512 * 1024);
    expect(result.settings.federatedItemRows).toBeGreaterThan(1000);
    expect(result.personalization.users).toBe(10);
    expect(result.personalization.after['NDCG@10']).toBeGreaterThanOrEqual(0);
    // Paired per user: the difference of the means is the mean difference, with its standard error.
    const { paired } = result.personalization;
    expect(paired.meanDiff).toBeCloseTo(
      result.personalization.after['NDCG@10'] - result.personalization.before['NDCG@10'],
      10,
    );
    expect(paired.standardError).toBeGreaterThanOrEqual(0);
    expect(paired.rankImproved + paired.rankWorsened).toBeLessThanOrEqual(10);
    expect(await readFile(plot, 'utf8')).toMatch(/^<svg[\s\S]*polyline[\s\S]*<\/svg>/);
  }, 600_000);
});
