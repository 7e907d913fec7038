// Attacks a hostile shopper can run with a script against the real server process: each round
// with a bad participant must end (done without it, or aborted) and never stop the server.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startServerProcess } from '../../scripts/server-process.js';
import { dropTestDatabases, storageFlags } from './test-database.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import type { RoundInfo } from '../../protocol/responses.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { hostileClient, type Misbehaviour } from './hostile-client.js';

const LENGTH = 32;
const updateOf = (i: number) => Float32Array.from({ length: LENGTH }, (_, j) => ((i + j) % 5) / 10 - 0.2);
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await dropTestDatabases();
});

// Open admission (these attackers need no ticket to get in), and the first four to arrive form the cohort.
const FLAGS = [
  ...['--min-clients', '4', '--max-clients', '4', '--vector-length', String(LENGTH), '--clip', '10'],
  ...['--open-admission', 'true', '--cohort-pool', '1'],
];

async function start(port: number, dataDir: string, extra: string[] = []): Promise<string> {
  const flags = [...(await storageFlags(dataDir)), ...FLAGS, '--phase-deadline-ms', '2500', ...extra];
  const server = await startServerProcess(flags, {
    port,
    timeoutMs: 15_000,
  });
  child = server.child;
  return server.url;
}

const honest = (url: string, i: number) =>
  createIdentity().then((identity) =>
    runRound({
      server: url,
      clientId: crypto.randomUUID(),
      identity,
      update: () => updateOf(i),
      pollMs: 30,
      timeoutMs: 60_000,
    }),
  );

/**
 * Three honest clients and one hostile one in the same round; resolves with the round's final
 * status and the hostile client's own end (it may be refused along the way).
 */
async function roundWith(
  url: string,
  misbehaviour: Misbehaviour,
): Promise<{ info: RoundInfo; bad: PromiseSettledResult<unknown> }> {
  const [bad, ...good] = await Promise.allSettled([
    hostileClient(url, misbehaviour),
    ...[0, 1, 2].map((i) => honest(url, i)),
  ]);
  const outcomes = good.map((g) => (g.status === 'fulfilled' ? g.value : undefined));
  expect(outcomes.every(Boolean), 'the honest clients ran the round to its end').toBe(true);
  const info = (await (await fetch(`${url}/v1/rounds/${outcomes[0]!.round}`)).json()) as RoundInfo;
  expect(outcomes.map((o) => o!.phase)).toEqual(Array(3).fill(info.phase));
  return { info, bad: bad! };
}

/** An honest round of four after the attack: the server still runs rounds, on time. */
async function honestRoundPublishes(url: string, version: number): Promise<void> {
  const outcomes = await Promise.all([0, 1, 2, 3].map((i) => honest(url, i)));
  expect(outcomes.map((o) => o.phase)).toEqual(['done', 'done', 'done', 'done']);
  const latest = (await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number };
  expect(latest.version).toBe(version);
}

describe('federation server against hostile participants', () => {
  it('a poisoned mask-key share aborts that round with a reason; later rounds and restarts go on', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'pocketrank-hostile-'));
    const url = await start(port, dataDir);
    const { info } = await roundWith(url, { poisonMaskKeyShares: true, dropAfter: 'share' });
    expect(info.phase).toBe('aborted');
    expect(info.abortReason).toMatch(/unmasking failed/);
    await honestRoundPublishes(url, 2);
    child!.kill('SIGKILL');
    await start(port, dataDir);
    await honestRoundPublishes(url, 3);
  }, 120_000);

  it('a forged advertisement is refused at once: the round finishes without the forger', async () => {
    const url = await start(await freePort(), await mkdtemp(join(tmpdir(), 'pocketrank-hostile-')));
    const { info, bad } = await roundWith(url, { badAdvertisementSignature: true });
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/400.*signature/);
    expect(info.phase).toBe('done');
    expect(info.participants).toBe(4);
    await honestRoundPublishes(url, 3);
  }, 120_000);

  it('an update that skipped clipping makes the sum exceed what clipped updates can reach: the round is rejected, the model unchanged', async () => {
    const url = await start(await freePort(), await mkdtemp(join(tmpdir(), 'pocketrank-hostile-')));
    // Every value at 9.9 is inside the fixed-point range (the clip, 10) but its L2 norm is 56.
    const { info, bad } = await roundWith(url, { unclippedUpdate: new Float32Array(LENGTH).fill(9.9) });
    expect(bad.status).toBe('fulfilled');
    expect(info.phase).toBe('aborted');
    expect(info.abortReason).toMatch(/L2 norm .* exceeds/);
    expect(((await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number }).version).toBe(1);
    await honestRoundPublishes(url, 2);
  }, 120_000);

  it('time the server is down does not count against phase deadlines: a client on time before a restart is on time after it', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'pocketrank-hostile-'));
    const url = await start(port, dataDir);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = hostileClient(url, { dropAfter: 'advertise', beforeAdvertise: () => gate });
    const quick = await Promise.all([0, 1, 2].map(() => hostileClient(url, { dropAfter: 'advertise' })));
    const round = quick[0]!.round;
    // Down for longer than the 2.5 s phase deadline, with three of four advertisements in.
    child!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000));
    await start(port, dataDir);
    const status = async () => ((await (await fetch(`${url}/v1/rounds/${round}`)).json()) as RoundInfo).phase;
    expect(await status()).toBe('advertise');
    release();
    expect((await slow).phase).toBe('advertise');
    expect(await status()).toBe('share');
  }, 120_000);
});
