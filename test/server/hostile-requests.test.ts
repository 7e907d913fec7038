// Requests a script can send that the schemas let through or half-check: each must be a 4xx
// with a message that changes nothing stored, never a 500.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SecAggClient } from '../../protocol/secagg/secagg-client.js';
import { createIdentity, type Identity } from '../../protocol/secagg/signed-keys.js';
import type { CheckInReply, CohortSeat } from '../../protocol/responses.js';
import { toBase64 } from '../../protocol/wire-format.js';
import { startTestServer } from './start-test-server.js';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function server(overrides = {}, options: { instances?: number } = {}) {
  const s = await startTestServer(
    {
      minClients: 3,
      maxClients: 3,
      vectorLength: 8,
      phaseDeadlineMs: 600_000,
      ...overrides,
    },
    undefined,
    options,
  );
  stop = s.stop;
  const post = (path: string, body: unknown) =>
    fetch(`${s.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const count = async (table: string) => (await s.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n;
  return { ...s, post, count };
}

async function checkIn(post: (path: string, body: unknown) => Promise<Response>, identity: Identity) {
  const response = await post('/v1/checkin', {
    clientId: crypto.randomUUID(),
    identityKey: toBase64(identity.publicKey),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as CheckInReply;
}

/** A candidate's index once check-in has closed. */
async function seat(url: string, { round, token }: CheckInReply): Promise<number> {
  const response = await fetch(`${url}/v1/rounds/${round}/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as CohortSeat).index;
}

describe('federation server: hostile requests', () => {
  it('refuses identity keys that are not P-256 points, and base64 that only looks like base64, with a 400', async () => {
    const { post, count } = await server();
    const uuid = () => crypto.randomUUID();
    for (const identityKey of ['A', 'AAA=', '', toBase64(new Uint8Array(3)), toBase64(new Uint8Array(65))]) {
      const response = await post('/v1/checkin', { clientId: uuid(), identityKey });
      expect(response.status, `identityKey "${identityKey.slice(0, 12)}"`).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/identityKey/);
    }
    expect((await count('candidates')) + (await count('participants'))).toBe(0);
  });

  it('refuses an advertisement whose signature is not the identity key of its sender: the advertiser is out, the round goes on', async () => {
    const { post, count, url } = await server();
    const identities = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const joined: CheckInReply[] = [];
    for (const identity of identities) joined.push(await checkIn(post, identity));
    const advertisement = async (i: number, signWith: Identity) => {
      const { round, token } = joined[i]!;
      const index = await seat(url, joined[i]!);
      const signed = await new SecAggClient(index, signWith, { round, threshold: 2, vectorLength: 8 }).advertise();
      return {
        index,
        token,
        cipherPublicKey: toBase64(signed.ad.cipherPublicKey),
        maskPublicKey: toBase64(signed.ad.maskPublicKey),
        signature: toBase64(signed.signature),
      };
    };
    const round = joined[0]!.round;
    const forged = await post(`/v1/rounds/${round}/advertise`, await advertisement(0, await createIdentity()));
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: string }).error).toMatch(/signature/);
    const notAPoint = {
      ...(await advertisement(1, identities[1]!)),
      maskPublicKey: toBase64(new Uint8Array(65).fill(4)),
    };
    expect((await post(`/v1/rounds/${round}/advertise`, notAPoint)).status).toBe(400);
    expect(await count('advertisements')).toBe(0);
    // The honest ones are taken, and the forger may still send its real advertisement.
    for (const i of [0, 1, 2])
      expect((await post(`/v1/rounds/${round}/advertise`, await advertisement(i, identities[i]!))).status).toBe(200);
    const info = (await (await fetch(`${url}/v1/rounds/${round}`)).json()) as { phase: string };
    expect(info.phase).toBe('share');
  });

  it('answers repeated or malformed query parameters and non-canonical model versions with a 4xx', async () => {
    const { url, post } = await server();
    const { round } = await checkIn(post, await createIdentity());
    for (const path of [
      `/v1/rounds/${round}?while=checkin&while=advertise`,
      `/v1/rounds/${round}?while=checkin&wait=1&wait=2`,
      `/v1/rounds/${round}/advertisements?index=1&index=2`,
      `/v1/rounds/${round}/survivors?index=1&index=1`,
      '/v1/models/0x1',
      '/v1/models/1e0',
      '/v1/models/01',
      '/v1/models/1.0',
    ]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
    expect((await fetch(`${url}/v1/models/1`)).status).toBe(200);
  });

  it('answers CORS preflights only for routes that exist', async () => {
    const { url } = await server();
    expect((await fetch(`${url}/v1/checkin`, { method: 'OPTIONS' })).status).toBe(204);
    expect((await fetch(`${url}/v1/nothing-here`, { method: 'OPTIONS' })).status).toBe(404);
    expect((await fetch(`${url}/admin`, { method: 'OPTIONS' })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits check-ins and status requests per IP with a 429, and cuts off a body trickled in byte by byte', async () => {
    // One process: the limiter counts per process (behind several, the load balancer should hash by client IP).
    const { url, post } = await server(
      { checkinsPerMinute: 5, statusPerMinute: 8, requestTimeoutMs: 1_000 },
      { instances: 1 },
    );
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const response = await post('/v1/checkin', {
        clientId: crypto.randomUUID(),
        identityKey: toBase64((await createIdentity()).publicKey),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const { round } = ((await (await fetch(`${url}/v1/rounds`)).json()) as { round: string }[])[0]!;
    const polls = [];
    for (let i = 0; i < 10; i++) polls.push((await fetch(`${url}/v1/rounds/${round}`)).status);
    expect(polls.filter((s) => s === 429)).toHaveLength(2);

    // Content-Length 100,000, one byte every 300 ms: the server closes the connection at the request timeout.
    const { port } = new URL(url);
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /v1/checkin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
        );
        const drip = setInterval(() => socket.write(' '), 300);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Date.now() - started);
        });
        setTimeout(() => {
          clearInterval(drip);
          socket.destroy();
          reject(new Error('the trickled request was still open after 8 s'));
        }, 8_000);
      });
      socket.on('error', () => undefined);
    });
    expect(closedAfter).toBeLessThan(8_000);
  });
});
