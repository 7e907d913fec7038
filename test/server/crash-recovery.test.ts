import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess } from '../../scripts/server-process.js';
import { dropTestDatabases, storageFlags } from './test-database.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';

const LENGTH = 32;
const updateOf = (i: number) => Float32Array.from({ length: LENGTH }, (_, j) => ((i + j) % 5) / 10 - 0.2);
let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill('SIGKILL');
  await dropTestDatabases();
});

async function startServer(port: number, dataDir: string): Promise<void> {
  ({ child } = await startServerProcess(
    [
      ...(await storageFlags(dataDir)),
      '--min-clients',
      '4',
      '--max-clients',
      '4',
      '--vector-length',
      String(LENGTH),
      '--phase-deadline-ms',
      '120000',
      '--clip',
      '10',
      '--open-admission',
      'true',
      '--cohort-pool',
      '1',
    ],
    { port, timeoutMs: 10_000 },
  ));
}

async function killHard(): Promise<void> {
  const dying = child!;
  await new Promise<void>((resolve) => {
    dying.once('exit', () => resolve());
    dying.kill('SIGKILL');
  });
}

describe('federation server crash recovery', () => {
  it('survives kill -9 at every phase: nothing accepted is lost, nothing is counted twice', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'pocketrank-server-'));
    const url = `http://127.0.0.1:${port}`;
    await startServer(port, dataDir);
    const clients = Promise.all(
      [0, 1, 2, 3].map(async (i) =>
        runRound({
          server: url,
          clientId: crypto.randomUUID(),
          identity: await createIdentity(),
          update: () => updateOf(i),
          pollMs: 30,
          timeoutMs: 90_000,
        }),
      ),
    );
    const killedAt: string[] = [];
    for (const phase of ['advertise', 'share', 'mask', 'consistency', 'unmask']) {
      for (;;) {
        const open = (await (await fetch(`${url}/v1/rounds`)).json()) as { phase: string }[];
        if (open[0]?.phase === phase) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await killHard();
      killedAt.push(phase);
      await startServer(port, dataDir);
    }
    const outcomes = await clients;
    expect(killedAt).toEqual(['advertise', 'share', 'mask', 'consistency', 'unmask']);
    expect(outcomes.map((o) => o.phase)).toEqual(['done', 'done', 'done', 'done']);
    const latest = (await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number };
    expect(latest.version).toBe(2);
    const params = new Float32Array(await (await fetch(`${url}/v1/models/2`)).arrayBuffer());
    for (let j = 0; j < LENGTH; j++) {
      const mean = [0, 1, 2, 3].reduce((s, i) => s + updateOf(i)[j]!, 0) / 4;
      expect(Math.abs(params[j]! - mean)).toBeLessThan(1e-6);
    }
    // A replay after the round is finished is refused and changes nothing.
    const replay = await fetch(`${url}/v1/rounds/${outcomes[0]!.round}/masked`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index: 1, token: '0'.repeat(64), vector: 'AAAA' }),
    });
    expect(replay.status).toBe(410);
    expect(((await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number }).version).toBe(2);
  }, 120_000);
});
