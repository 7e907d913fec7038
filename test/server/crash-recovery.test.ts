import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roundRobinProxy } from '../../scripts/round-robin-proxy.js';
import { freePort, startServerProcess } from '../../scripts/server-process.js';
import { dropTestDatabases, storageFlags } from './test-database.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';

const LENGTH = 32;
const updateOf = (i: number) => Float32Array.from({ length: LENGTH }, (_, j) => ((i + j) % 5) / 10 - 0.2);
// With POCKETRANK_TEST_SERVERS=n (on PostgreSQL), n processes serve the round behind a round-robin
// proxy, and each phase's kill -9 takes the next of them in turn.
const COUNT = Number(process.env.POCKETRANK_TEST_SERVERS ?? 1);
const children: (ChildProcess | undefined)[] = [];
let proxy: Awaited<ReturnType<typeof roundRobinProxy>> | undefined;
afterAll(async () => {
  await proxy?.close();
  for (const child of children) child?.kill('SIGKILL');
  await dropTestDatabases();
});

async function startServer(slot: number, port: number, dataDir: string): Promise<void> {
  ({ child: children[slot] } = await startServerProcess(
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

async function killHard(slot: number): Promise<void> {
  const dying = children[slot]!;
  await new Promise<void>((resolve) => {
    dying.once('exit', () => resolve());
    dying.kill('SIGKILL');
  });
}

describe('federation server crash recovery', () => {
  it(`survives kill -9 at every phase (${COUNT} process${COUNT > 1 ? 'es' : ''}): nothing accepted is lost, nothing is counted twice`, async () => {
    const ports: number[] = [];
    for (let i = 0; i < COUNT; i++) ports.push(await freePort());
    const dataDir = await mkdtemp(join(tmpdir(), 'pocketrank-server-'));
    for (const [slot, port] of ports.entries()) await startServer(slot, port, dataDir);
    const backends = ports.map((port) => `http://127.0.0.1:${port}`);
    proxy = COUNT > 1 ? await roundRobinProxy(backends) : undefined;
    const url = proxy?.url ?? backends[0]!;
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
    // The next phase is watched for at once, not after the restart: with several processes the
    // others serve on and the round may pass it meanwhile. A restart is awaited before that
    // slot's next kill (with one process, the phase can only come from the restarted one).
    const restarting: Promise<void>[] = [];
    for (const phase of ['advertise', 'share', 'mask', 'consistency', 'unmask']) {
      for (;;) {
        const reply = await fetch(`${url}/v1/rounds`).catch(() => undefined);
        const open = reply?.ok ? ((await reply.json()) as { phase: string }[]) : [];
        if (open[0]?.phase === phase) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const slot = killedAt.length % COUNT;
      await restarting[slot];
      await killHard(slot);
      killedAt.push(phase);
      restarting[slot] = startServer(slot, ports[slot]!, dataDir);
    }
    await Promise.all(restarting);
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
