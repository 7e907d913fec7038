// Several federation server processes (real OS processes, `node server/main.ts`) on one
// PostgreSQL database, behind a round-robin load balancer: every round's requests spread over
// all of them, a process killed with -9 while it unmasks is replaced by another, and a process
// started mid-round joins in. Runs where PostgreSQL is (npm run test:postgres; CI).
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerProcess } from '../../scripts/server-process.js';
import type { RoundInfo } from '../../protocol/responses.js';
import { roundRobinProxy } from '../../scripts/round-robin-proxy.js';
import { expectMean, latestModel, runClients } from './round-clients.js';
import { dropTestDatabases, storageFlags } from './test-database.js';

const LENGTH = 32;
const updateOf = (i: number) => Float32Array.from({ length: LENGTH }, (_, j) => (((i * 3 + j) % 7) - 3) / 10);
const FLAGS = [
  ...['--min-clients', '8', '--max-clients', '8', '--vector-length', String(LENGTH), '--clip', '10'],
  ...['--open-admission', 'true', '--cohort-pool', '1', '--checkins-per-minute', '0', '--status-per-minute', '0'],
];

let children: ChildProcess[] = [];
let closeProxy: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeProxy?.();
  for (const child of children) child.kill('SIGKILL');
  [children, closeProxy] = [[], undefined];
  await dropTestDatabases();
});

/** `count` server processes on one fresh database, and a load balancer in front of them. */
async function cluster(count: number, extra: string[] = []) {
  const dataDir = await mkdtemp(join(tmpdir(), 'pocketrank-processes-'));
  const flags = [...(await storageFlags(dataDir)), ...FLAGS, ...extra];
  const start = async () => {
    const server = await startServerProcess(flags, { timeoutMs: 20_000 });
    children.push(server.child);
    const { process: id } = (await (await fetch(`${server.url}/health`)).json()) as { process: string };
    return { ...server, id };
  };
  const servers = [];
  for (let i = 0; i < count; i++) servers.push(await start());
  const proxy = await roundRobinProxy(servers.map((s) => s.url));
  closeProxy = proxy.close;
  const database = flags[flags.indexOf('--database') + 1]!;
  return { servers, proxy, start, database };
}

/** Clients `from`..`to`-1 through the load balancer; the first `drop` leave after sharing their keys. */
const clients = (url: string, drop = 0, from = 0, to = 8) =>
  runClients(
    url,
    Array.from({ length: to - from }, (_, k) => from + k),
    updateOf,
    { timeoutMs: 90_000, drop: (i) => (i < drop ? 'share' : undefined) },
  );

const expectMeanOf = (params: Float32Array, members: number[]) => expectMean(params, members, updateOf, 1e-6);

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe.skipIf(!process.env.POCKETRANK_TEST_POSTGRES)('several server processes on one PostgreSQL', () => {
  it('3 processes serve one round together: v2 is the exact mean of the survivors, with two dropouts', async () => {
    const { proxy } = await cluster(3, ['--phase-deadline-ms', '3000']);
    const outcomes = await clients(proxy.url, 2);
    expect(outcomes.slice(2).map((o) => o.phase)).toEqual(Array(6).fill('done'));
    const model = await latestModel(proxy.url);
    expect(model.version).toBe(2);
    expectMeanOf(model.params, [2, 3, 4, 5, 6, 7]);
    // Every process answered a share of the round's requests.
    for (const count of proxy.served.values()) expect(count).toBeGreaterThan(20);
  }, 120_000);

  it('kill -9 of the process unmasking a round: another claims it when the lease runs out and publishes v2 once', async () => {
    const { servers, proxy, database } = await cluster(3, [
      '--phase-deadline-ms',
      '60000',
      '--unmask-pause-ms',
      '2000',
    ]);
    const round = clients(proxy.url);
    let owner: string | null = null;
    for (let i = 0; i < 600 && !owner; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const rows = await query<{ unmask_owner: string | null }>(database, 'SELECT unmask_owner FROM rounds');
      owner = rows[0]?.unmask_owner ?? null;
    }
    const victim = servers.find((s) => s.id === owner)!;
    expect(victim).toBeDefined();
    victim.child.kill('SIGKILL');
    const outcomes = await round;
    expect(outcomes.map((o) => o.phase)).toEqual(Array(8).fill('done'));
    const model = await latestModel(proxy.url);
    expect(model.version).toBe(2);
    expectMeanOf(model.params, [0, 1, 2, 3, 4, 5, 6, 7]);
    const [rounds, versions] = await Promise.all([
      query<{ phase: string; unmask_owner: string }>(database, 'SELECT phase, unmask_owner FROM rounds'),
      query<{ n: number }>(database, 'SELECT COUNT(*)::int AS n FROM model_versions'),
    ]);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]!.phase).toBe('done');
    expect(rounds[0]!.unmask_owner).not.toBe(owner);
    expect(versions[0]!.n).toBe(2);
  }, 120_000);

  it('a process started mid-round joins in and serves the rest of it', async () => {
    const { proxy, start } = await cluster(2, ['--phase-deadline-ms', '60000']);
    // Seven of the eight check in; with the round open, a third process starts and the load balancer adds it.
    const first = clients(proxy.url, 0, 0, 7);
    for (let i = 0; i < 600; i++) {
      const open = (await (await fetch(`${proxy.url}/v1/rounds`)).json()) as { round: string }[];
      const info = open[0] && ((await (await fetch(`${proxy.url}/v1/rounds/${open[0].round}`)).json()) as RoundInfo);
      if (info?.participants === 7) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const late = await start();
    proxy.add(late.url);
    const outcomes = [...(await Promise.all([first, clients(proxy.url, 0, 7, 8)])).flat()];
    expect(outcomes.map((o) => o.phase)).toEqual(Array(8).fill('done'));
    expectMeanOf((await latestModel(proxy.url)).params, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(proxy.served.get(late.url)).toBeGreaterThan(5);
  }, 120_000);
});
