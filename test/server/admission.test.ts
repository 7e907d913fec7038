// Admission against the real server process: only devices the shop vouches for check in, each
// ticket once; client ids stay pinned to their identity key; cohorts are drawn, not first come.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ticketEndpoint } from '../../examples/ticket-endpoint.js';
import { issueTicket, ticketKey } from '../../protocol/admission/participation-ticket.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { fromBase64, toBase64 } from '../../protocol/wire-format.js';
import { startServerProcess } from '../../scripts/server-process.js';
import { dropTestDatabases, storageFlags } from './test-database.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { startTestServer } from './start-test-server.js';

const LENGTH = 16;
const KEY = randomBytes(32).toString('base64');
let child: ChildProcess | undefined;
let shop: Server | undefined;
let stopInProcess: (() => Promise<void>) | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  shop?.close();
  await stopInProcess?.();
  [child, shop, stopInProcess] = [undefined, undefined, undefined];
  await dropTestDatabases();
});

const checkIn = (url: string, body: Record<string, unknown>) =>
  fetch(`${url}/v1/checkin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function ticketedServer(): Promise<string> {
  const server = await startServerProcess(
    [
      ...(await storageFlags(await mkdtemp(join(tmpdir(), 'pocketrank-admission-')))),
      ...['--admission-key', KEY],
      ...['--shop', 'glow', '--min-clients', '4', '--max-clients', '4', '--vector-length', String(LENGTH)],
      ...['--cohort-pool', '1', '--checkins-per-minute', '0', '--phase-deadline-ms', '5000'],
    ],
    { timeoutMs: 15_000 },
  );
  child = server.child;
  return server.url;
}

describe('admission', () => {
  it('will not start without a shop key unless told to admit anyone', async () => {
    const failed = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    failed.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => failed.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--admission-key .*--open-admission true/s);
  }, 30_000);

  it('admits none of 1,000 unticketed, forged, expired or misaddressed check-ins', async () => {
    const url = await ticketedServer();
    const key = await ticketKey(fromBase64(KEY));
    const otherShopKey = await ticketKey(randomBytes(32));
    const identityKey = toBase64((await createIdentity()).publicKey);
    const ticket = (signer: CryptoKey, claims: { clientId: string; shop: string; ttlMs?: number; now?: number }) =>
      issueTicket(signer, { ttlMs: 60_000, ...claims });
    const attempts: ((clientId: string) => Promise<string | undefined>)[] = [
      async () => undefined,
      async () => 'pt1.e30.AAAA',
      async () => 'not a ticket',
      (clientId) => ticket(otherShopKey, { clientId, shop: 'glow' }), // signed with another key
      () => ticket(key, { clientId: crypto.randomUUID(), shop: 'glow' }), // for another device
      (clientId) => ticket(key, { clientId, shop: 'other-shop' }),
      (clientId) => ticket(key, { clientId, shop: 'glow', ttlMs: 1, now: Date.now() - 10_000 }), // expired
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const clientId = crypto.randomUUID();
      const forged = await attempts[i % attempts.length]!(clientId);
      const response = await checkIn(url, { clientId, identityKey, ...(forged !== undefined && { ticket: forged }) });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    expect([...statuses.keys()].sort()).toEqual([401, 403]);
    expect((await (await fetch(`${url}/v1/rounds`)).json()) as unknown[]).toEqual([]);
  }, 120_000);

  it("runs a round of devices ticketed by the shop's endpoint; a ticket is good for one check-in", async () => {
    const url = await ticketedServer();
    shop = await ticketEndpoint({ key: KEY, shop: 'glow' });
    await new Promise<void>((resolve) => shop!.listen(0, '127.0.0.1', resolve));
    const ticketUrl = `http://127.0.0.1:${(shop.address() as { port: number }).port}/pocketrank/ticket`;
    const fetchTicket = async (clientId: string, cookie = 'session=abc') => {
      const response = await fetch(ticketUrl, {
        method: 'POST',
        headers: { cookie },
        body: JSON.stringify({ clientId }),
      });
      return { status: response.status, ticket: ((await response.json()) as { ticket?: string }).ticket };
    };
    expect((await fetchTicket(crypto.randomUUID(), '')).status).toBe(403);
    const victim = crypto.randomUUID();
    expect((await fetchTicket(victim, 'session=victim')).status).toBe(200);
    expect((await fetchTicket(victim, 'session=squatter')).status).toBe(403);

    const reused = crypto.randomUUID();
    const reusedTicket = (await fetchTicket(reused)).ticket!;
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const clientId = i === 0 ? reused : crypto.randomUUID();
        return runRound({
          server: url,
          clientId,
          identity: await createIdentity(),
          ticket: async () => (i === 0 ? reusedTicket : (await fetchTicket(clientId)).ticket),
          update: () => new Float32Array(LENGTH).fill(0.01 * i),
          pollMs: 30,
          timeoutMs: 60_000,
        });
      }),
    );
    expect(outcomes.map((o) => o.phase)).toEqual(['done', 'done', 'done', 'done']);
    const again = await checkIn(url, {
      clientId: reused,
      identityKey: toBase64((await createIdentity()).publicKey),
      ticket: reusedTicket,
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'ticket_used' });
  }, 120_000);
});

describe('pinning and cohort draws (open admission)', () => {
  it('keeps a client id pinned to its first identity key: a squatter with another key is refused', async () => {
    const server = await startTestServer({ minClients: 2, maxClients: 2, vectorLength: LENGTH });
    stopInProcess = server.stop;
    const clientId = crypto.randomUUID();
    const first = await checkIn(server.url, { clientId, identityKey: toBase64((await createIdentity()).publicKey) });
    expect(first.status).toBe(200);
    const squatter = await checkIn(server.url, { clientId, identityKey: toBase64((await createIdentity()).publicKey) });
    expect(squatter.status).toBe(409); // already a candidate of this round
    await checkIn(server.url, {
      clientId: crypto.randomUUID(),
      identityKey: toBase64((await createIdentity()).publicKey),
    });
    // Next round: the same id with another key.
    const later = await checkIn(server.url, { clientId, identityKey: toBase64((await createIdentity()).publicKey) });
    expect(later.status).toBe(403);
    expect(await later.json()).toMatchObject({ code: 'identity_changed' });
  });

  it('draws the cohort at random from everyone checked in during the window, not the first to arrive', async () => {
    const server = await startTestServer({
      minClients: 4,
      maxClients: 4,
      cohortPool: 2,
      vectorLength: LENGTH,
      phaseDeadlineMs: 60_000,
    });
    stopInProcess = server.stop;
    const firstFourAlwaysWon: boolean[] = [];
    for (let round = 0; round < 4; round++) {
      // Eight candidates, one after another: the pool (2 x 4) closes check-in.
      const outcomes = [];
      for (let i = 0; i < 8; i++) {
        outcomes.push(
          runRound({
            server: server.url,
            clientId: crypto.randomUUID(),
            identity: await createIdentity(),
            update: () => new Float32Array(LENGTH),
            pollMs: 20,
            timeoutMs: 60_000,
          }),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
      const done = await Promise.all(outcomes);
      expect(done.filter((o) => o.selected)).toHaveLength(4);
      expect(done.filter((o) => !o.selected).every((o) => o.uploadedBytes === 0)).toBe(true);
      expect(done.filter((o) => o.selected).map((o) => o.phase)).toEqual(['done', 'done', 'done', 'done']);
      firstFourAlwaysWon.push(done.slice(0, 4).every((o) => o.selected));
    }
    // Arriving first would win every seat every time: (1/70)^4 by chance.
    expect(firstFourAlwaysWon.every(Boolean)).toBe(false);
  }, 120_000);
});
