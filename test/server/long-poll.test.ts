import { afterEach, describe, expect, it } from 'vitest';
import { toBase64 } from '../../protocol/messages.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { startTestServer } from './start-test-server.js';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

const checkIn = async (url: string) => {
  const body = JSON.stringify({
    clientId: crypto.randomUUID(),
    identityKey: toBase64((await createIdentity()).publicKey),
  });
  return (await (
    await fetch(`${url}/v1/checkin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  ).json()) as { round: string };
};
const settledYet = async (p: Promise<unknown>) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);

describe('long-polled round status', () => {
  it('holds a status request while the phase is unchanged and answers when it moves', async () => {
    const server = await startTestServer({ minClients: 2, maxClients: 2, vectorLength: 8, phaseDeadlineMs: 60_000 });
    stop = server.stop;
    const { round } = await checkIn(server.url);
    // The hold (30 s) is longer than this test's limit: only the phase change can answer it.
    const held = fetch(`${server.url}/v1/rounds/${round}?while=checkin&wait=30000`).then(
      async (r) => (await r.json()) as { phase: string; participants: number },
    );
    expect(await settledYet(held)).toBe(false);
    await checkIn(server.url);
    expect(await held).toMatchObject({ phase: 'advertise', participants: 2 });
    // Already out of the phases named: answered at once.
    expect(await (await fetch(`${server.url}/v1/rounds/${round}?while=checkin`)).json()).toMatchObject({
      phase: 'advertise',
    });
  }, 10_000);

  it('answers with the unchanged phase when the hold runs out, and refuses bad parameters', async () => {
    const server = await startTestServer({ minClients: 3, maxClients: 3, vectorLength: 8, phaseDeadlineMs: 60_000 });
    stop = server.stop;
    const { round } = await checkIn(server.url);
    expect(await (await fetch(`${server.url}/v1/rounds/${round}?while=checkin&wait=300`)).json()).toMatchObject({
      phase: 'checkin',
      participants: 1,
    });
    for (const query of ['while=checkin,later', 'while=checkin&wait=-1', 'while=checkin&wait=soon']) {
      const response = await fetch(`${server.url}/v1/rounds/${round}?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/^invalid request: (while|wait)/);
    }
    expect((await fetch(`${server.url}/v1/rounds/no-such-round?while=checkin`)).status).toBe(404);
  }, 10_000);

  it('releases held requests when the server closes instead of waiting out their holds', async () => {
    // One process closing: behind a load balancer the others would go on holding.
    const server = await startTestServer(
      { minClients: 3, maxClients: 3, vectorLength: 8, phaseDeadlineMs: 60_000 },
      undefined,
      { instances: 1 },
    );
    const { round } = await checkIn(server.url);
    const held = fetch(`${server.url}/v1/rounds/${round}?while=checkin&wait=30000`).then(
      async (r) => (await r.json()) as { phase: string },
    );
    expect(await settledYet(held)).toBe(false);
    await server.stop();
    expect(await held).toMatchObject({ phase: 'checkin' });
  }, 10_000);

  it('costs a client one or two status requests per wait, where polling costs many', async () => {
    const statusRequests = async (longPollMs: number) => {
      const server = await startTestServer({ minClients: 4, maxClients: 4, vectorLength: 16, phaseDeadlineMs: 60_000 });
      stop = server.stop;
      const original = globalThis.fetch;
      let n = 0;
      globalThis.fetch = (input, init) => {
        if (/\/v1\/rounds\/[^/?]+(\?|$)/.test(String(input))) n++;
        return original(input, init);
      };
      try {
        // Staggered check-ins keep the first clients waiting on check-in for a while.
        const outcomes = await Promise.all(
          [0, 1, 2, 3].map(async (i) => {
            await new Promise((r) => setTimeout(r, 300 * i));
            return runRound({
              server: server.url,
              clientId: crypto.randomUUID(),
              identity: await createIdentity(),
              update: () => new Float32Array(16).fill(0.01 * i),
              pollMs: 20,
              longPollMs,
              timeoutMs: 60_000,
            });
          }),
        );
        expect(outcomes.map((o) => o.phase)).toEqual(['done', 'done', 'done', 'done']);
      } finally {
        globalThis.fetch = original;
        await server.stop();
        stop = undefined;
      }
      return n;
    };
    // Each client waits on six phases (check-in through unmasking).
    const held = await statusRequests(20_000);
    expect(held).toBeLessThanOrEqual(4 * 6 * 2);
    const polled = await statusRequests(0);
    expect(polled).toBeGreaterThan(4 * 6 * 2);
  }, 60_000);
});
