/**
 * Secure-aggregation round cost on the real federation server (a child process, so its CPU time
 * is its own): n in-process clients run the full protocol (keys, shares, masked vectors,
 * consistency, unmasking) with random updates of the real vector length.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../scripts/server-process.js';
import { runRound } from '../worker/federated/round-runner.js';
import { createIdentity } from '../protocol/secagg/signed-keys.js';
import { counterVector } from '../protocol/analytics/counter-vector.js';

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts `npm run server` with flags on a free port and a fresh data folder; resolves once /health answers. */
export async function startServerChild(flags: string[]): Promise<{ url: string; pid: number; stop: () => void }> {
  const { url, child } = await startServerProcess(
    // A thousand benchmark clients share 127.0.0.1: the per-IP limits would measure themselves.
    [
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'pocketrank-bench-')),
      '--checkins-per-minute',
      '0',
      '--status-per-minute',
      '0',
      '--open-admission',
      'true',
      '--cohort-pool',
      '1',
      ...flags,
    ],
    { timeoutMs: 30_000 },
  );
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/** One round with `clients` participants and updates of `vectorLength` values; `neighbors` 0 is the server's default graph. */
export async function benchServerRound(
  clients: number,
  vectorLength: number,
  neighbors = 0,
): Promise<{
  clients: number;
  vector_length: number;
  degree: number;
  round_s: number;
  server_cpu_s: number;
  submissions_per_server_cpu_s: number;
}> {
  const server = await startServerChild([
    '--min-clients',
    String(clients),
    '--max-clients',
    String(clients),
    '--vector-length',
    String(vectorLength),
    '--clip',
    '1',
    '--phase-deadline-ms',
    '600000',
    '--neighbors',
    String(neighbors),
  ]);
  try {
    const cpuBefore = cpuSeconds(server.pid);
    // Clients poll the round's phase; one poll per client per ~n ms keeps the server's load from
    // polling near 1,000 requests/s at every size instead of growing with the cohort.
    const pollMs = Math.max(20, clients);
    const update = new Float32Array(vectorLength).map(() => (Math.random() - 0.5) * 0.01);
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: clients }, async () =>
        runRound({
          server: server.url,
          clientId: crypto.randomUUID(),
          identity: await createIdentity(),
          pollMs,
          timeoutMs: 1_200_000,
          update: () => update,
        }),
      ),
    );
    const roundSeconds = (performance.now() - started) / 1000;
    if (outcomes.some((o) => o.phase !== 'done'))
      throw new Error(`round did not complete: ${outcomes.map((o) => o.phase).join(',')}`);
    const serverCpu = cpuSeconds(server.pid) - cpuBefore;
    const info = (await (await fetch(`${server.url}/v1/rounds/${outcomes[0]!.round}`)).json()) as { degree: number };
    return {
      clients,
      vector_length: vectorLength,
      degree: info.degree,
      round_s: roundSeconds,
      server_cpu_s: serverCpu,
      submissions_per_server_cpu_s: clients / serverCpu,
    };
  } finally {
    server.stop();
  }
}

/**
 * One experiment's analytics round with `clients` devices, each reporting a two-arm counter
 * vector (14 integers) with its discrete noise: the server's CPU (its own process) and the
 * clients' CPU per device (this process: every client's keys, shares, noise and masking).
 */
export async function benchAnalyticsRound(clients: number): Promise<{
  clients: number;
  degree: number;
  round_s: number;
  server_cpu_s: number;
  client_cpu_ms_per_device: number;
  uploaded_bytes: number;
}> {
  const server = await startServerChild([
    '--min-clients',
    String(clients),
    '--max-clients',
    String(clients),
    '--analytics-max-clients',
    String(clients),
    '--phase-deadline-ms',
    '600000',
  ]);
  try {
    const arms = ['control', 'personal'];
    const period = Math.floor(Date.now() / 86_400_000) - 1;
    const cpuBefore = cpuSeconds(server.pid);
    const mine = process.cpuUsage();
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: clients }, async (_, i) =>
        runRound({
          server: server.url,
          clientId: crypto.randomUUID(),
          identity: await createIdentity(),
          pollMs: Math.max(20, clients),
          timeoutMs: 1_200_000,
          analytics: {
            experiment: 'bench',
            period,
            arms,
            vector: counterVector({ arms }, arms[i % 2]!, {
              impressions: 10,
              clicks: i % 3,
              addToCarts: i % 2,
              purchases: i % 5 === 0 ? 1 : 0,
              allPurchases: 1,
            }),
          },
        }),
      ),
    );
    const roundSeconds = (performance.now() - started) / 1000;
    if (outcomes.some((o) => o.phase !== 'done'))
      throw new Error(`analytics round did not complete: ${outcomes.map((o) => o.phase).join(',')}`);
    const used = process.cpuUsage(mine);
    const info = (await (await fetch(`${server.url}/v1/rounds/${outcomes[0]!.round}`)).json()) as { degree: number };
    return {
      clients,
      degree: info.degree,
      round_s: roundSeconds,
      server_cpu_s: cpuSeconds(server.pid) - cpuBefore,
      client_cpu_ms_per_device: (used.user + used.system) / 1000 / clients,
      uploaded_bytes: outcomes[0]!.uploadedBytes,
    };
  } finally {
    server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n, v, k] = process.argv.slice(2).map(Number);
  console.log(await benchServerRound(n ?? 10, v ?? 1024, k ?? 0));
}
