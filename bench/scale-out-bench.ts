/**
 * npm run bench:scale-out [-- --clients 1000 --vector-length 16384 --processes 1,4]
 * One SecAgg+ round of `clients` in-process clients against the embedded SQLite server and
 * against 1 and 4 server processes on one PostgreSQL (behind a round-robin load balancer),
 * side by side: wall time, CPU of every server process and of the database's processes, and
 * submissions per server-CPU-second per process. Runs inside scripts/with-postgres.sh, which
 * starts the throwaway cluster (POCKETRANK_TEST_POSTGRES); writes bench/results/scale-out.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createIdentity } from '../protocol/secagg/signed-keys.js';
import { roundRobinProxy } from '../scripts/round-robin-proxy.js';
import { startServerProcess } from '../scripts/server-process.js';
import { runRound } from '../worker/federated/round-runner.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const clients = Number(arg('clients', '1000'));
const vectorLength = Number(arg('vector-length', '16384'));
const processCounts = arg('processes', '1,4').split(',').map(Number);
const admin = process.env.POCKETRANK_TEST_POSTGRES;
if (!admin) throw new Error('run inside scripts/with-postgres.sh (npm run bench:scale-out)');

/** utime + stime of a process, in seconds (Linux /proc); 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of every PostgreSQL backend and helper process so far (as root, the cluster runs as postgres). */
function databaseCpu(): number {
  const select = process.getuid?.() === 0 ? ['-u', 'postgres'] : ['-f', 'postgres'];
  const pids = execFileSync('pgrep', select, { encoding: 'utf8' }).trim().split('\n').map(Number);
  return pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
}

async function freshDatabase(): Promise<string> {
  const name = `pocketrank_bench_${crypto.randomUUID().replace(/-/g, '')}`;
  const client = new pg.Client(admin);
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function round(store: 'sqlite' | 'postgres', processes: number) {
  const storage =
    store === 'sqlite'
      ? ['--data-dir', mkdtempSync(join(tmpdir(), 'pocketrank-scale-'))]
      : ['--database', await freshDatabase()];
  const flags = [
    ...storage,
    ...['--checkins-per-minute', '0', '--status-per-minute', '0', '--open-admission', 'true', '--cohort-pool', '1'],
    ...['--min-clients', String(clients), '--max-clients', String(clients), '--vector-length', String(vectorLength)],
    ...['--clip', '1', '--phase-deadline-ms', '600000'],
  ];
  const servers = [];
  for (let i = 0; i < processes; i++) servers.push(await startServerProcess(flags, { timeoutMs: 30_000 }));
  const proxy = processes > 1 ? await roundRobinProxy(servers.map((s) => s.url)) : undefined;
  const url = proxy?.url ?? servers[0]!.url;
  try {
    const cpuBefore = servers.map((s) => cpuSeconds(s.child.pid!));
    const dbBefore = store === 'postgres' ? databaseCpu() : 0;
    const update = new Float32Array(vectorLength).map(() => 0.001);
    const started = performance.now();
    // Settled, not all: a client whose neighbourhood fell below the threshold refuses the round
    // (SecAggRefusal) and the round goes on without it; the bench counts such clients.
    const settled = await Promise.allSettled(
      Array.from({ length: clients }, async () =>
        runRound({
          server: url,
          clientId: crypto.randomUUID(),
          identity: await createIdentity(),
          pollMs: Math.max(20, clients),
          timeoutMs: 1_800_000,
          update: () => update,
        }),
      ),
    );
    const wall = (performance.now() - started) / 1000;
    const outcomes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const done = outcomes.filter((o) => o.phase === 'done');
    const refused = settled
      .filter((s) => s.status === 'rejected')
      .map((s) => String((s as PromiseRejectedResult).reason));
    if (done.length === 0)
      throw new Error(
        `round did not complete (${store}, ${processes}): ` +
          `${[...new Set([...outcomes.map((o) => `${o.phase} (${o.abortReason ?? ''})`), ...refused])].join(', ')}`,
      );
    if (refused.length > 0)
      console.warn(
        `${store} x${processes}: ${refused.length} clients refused: ${[...new Set(refused)].slice(0, 3).join('; ')}`,
      );
    const cpu = servers.map((s, i) => cpuSeconds(s.child.pid!) - cpuBefore[i]!);
    const serverCpu = cpu.reduce((a, b) => a + b, 0);
    const info = (await (await fetch(`${url}/v1/rounds/${done[0]!.round}`)).json()) as { degree: number };
    return {
      store,
      processes,
      clients,
      completed: done.length,
      refused: refused.length,
      vector_length: vectorLength,
      degree: info.degree,
      round_s: wall,
      server_cpu_s: serverCpu,
      server_cpu_s_per_process: cpu,
      database_cpu_s: store === 'postgres' ? databaseCpu() - dbBefore : null,
      submissions_per_server_cpu_s: done.length / serverCpu,
      server_cpu_ms_per_client: (serverCpu * 1000) / done.length,
    };
  } finally {
    await proxy?.close();
    for (const s of servers) s.child.kill('SIGTERM');
  }
}

const results = [await round('sqlite', 1)];
for (const n of processCounts) results.push(await round('postgres', n));
console.table(
  results.map((r) => ({
    store: r.store,
    processes: r.processes,
    completed: r.completed,
    'round s': r.round_s.toFixed(1),
    'server CPU s': r.server_cpu_s.toFixed(1),
    'database CPU s': r.database_cpu_s?.toFixed(1) ?? '',
    'submissions / server-CPU-s': r.submissions_per_server_cpu_s.toFixed(1),
  })),
);
await mkdir('bench/results', { recursive: true });
await writeFile(
  'bench/results/scale-out.json',
  `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
);
