import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { toBase64 } from '../../protocol/wire-format.js';
import { RoundService } from '../../server/rounds/round-service.js';
import { DEFAULT_CONFIG } from '../../server/rounds/server-config.js';
import { RoundStore } from '../../server/store/round-store.js';

const run = promisify(execFile);

describe('npm run simulate --checkpoint (a run of hours survives being stopped)', () => {
  it("a generator started from another one's state continues its stream exactly", () => {
    const a = mulberry32(7);
    a();
    a();
    const b = mulberry32(a.state);
    expect([b(), b(), b()]).toEqual([a(), a(), a()]);
  });

  it('pauses after a round, resumes on the server store it left (aborting the round a stopped run left open), and refuses other settings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-resume-'));
    const [json, cache, checkpoint] = ['sim.json', 'pretrained.json', 'ck'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
    ];
    const tsx = join('node_modules', '.bin', 'tsx');
    const flags = [
      '--clients',
      '8',
      '--rounds',
      '3',
      '--epsilon',
      '8',
      '--pretrain-epochs',
      '1',
      '--eval-users',
      '300',
      '--eval-every',
      '1',
      '--pretrained',
      cache,
      '--only',
      'federated_dp',
      '--dp-clients',
      '10',
      '--dp-rounds',
      '3',
      '--dp-server-optimizer',
      'fedavg',
      '--dp-server-lr',
      '1',
      '--dp-part',
      'rows',
      '--checkpoint',
      checkpoint,
      '--json',
      json,
    ];
    const paused = await run(tsx, ['experiments/simulate.ts', ...flags, '--pause-after', '1'], { maxBuffer: 1 << 24 });
    expect(paused.stderr).toMatch(/paused after round 1/);
    expect(existsSync(json)).toBe(false);
    const runDir = join(checkpoint, 'federated_dp');
    const progress = JSON.parse(await readFile(join(runDir, 'progress.json'), 'utf8'));
    expect(progress.rounds).toHaveLength(1);
    const roundOne = progress.rounds[0].test['NDCG@10'];

    // As if the process had been killed in round 2: a device checked in to an open round.
    const store = await RoundStore.open({ dataDir: runDir });
    const latest = (await store.latestModel())!;
    expect(latest.version).toBe(2);
    const service = await RoundService.create(store, {
      ...DEFAULT_CONFIG,
      vectorLength: latest.params.byteLength / 4,
      minClients: 10,
      maxClients: 10,
      openAdmission: true,
    });
    const identityKey = toBase64((await createIdentity()).publicKey);
    const stranded = await service.checkIn({ clientId: randomUUID(), identityKey });
    await store.close();

    // The same command resumes: rounds 2 and 3 run, round 1's score comes from the checkpoint.
    const resumed = await run(tsx, ['experiments/simulate.ts', ...flags], { maxBuffer: 1 << 24 });
    expect(resumed.stderr).toMatch(/resuming from .* after round 1 \(model version 2\)/);
    const result = JSON.parse(await readFile(json, 'utf8'));
    expect(result.federated_dp.perRound).toHaveLength(3);
    expect(result.federated_dp.perRound[0]).toBe(roundOne);
    expect(result.federated_dp.epsilon).toBeLessThanOrEqual(8);
    // The server's own state carried over: three rounds done (its accountant counts them), four versions, the stranded round aborted.
    const after = await RoundStore.open({ dataDir: runDir });
    try {
      expect(await after.finishedRounds()).toHaveLength(3);
      expect((await after.latestModel())!.version).toBe(4);
      expect(await after.round(stranded.round)).toMatchObject({
        phase: 'aborted',
        abort_reason: 'the simulation restarted; its clients are gone',
      });
    } finally {
      await after.close();
    }
    const otherLr = flags.map((f, i) => (flags[i - 1] === '--dp-server-lr' ? '2' : f));
    await expect(run(tsx, ['experiments/simulate.ts', ...otherLr])).rejects.toThrow(
      /was written by a run with other settings/,
    );
  }, 300_000);
});
