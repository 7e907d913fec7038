import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { toBase64 } from '../../protocol/messages.js';
import { SecAggClient } from '../../protocol/secagg/secagg-client.js';
import { createIdentity, type Identity } from '../../protocol/secagg/signed-keys.js';
import { startTestServer } from './start-test-server.js';

let stop: (() => Promise<void>) | undefined;
afterAll(async () => stop?.());

describe('federation server input validation', () => {
  it('answers 1,000 malformed, oversized, misaddressed and replayed requests with a 4xx and a message, and changes nothing', async () => {
    const server = await startTestServer({ minClients: 2, maxClients: 2, vectorLength: 16, phaseDeadlineMs: 600_000 });
    stop = server.stop;
    const post = (path: string, body: string) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const join = async (identity: Identity) =>
      (await (
        await post(
          '/v1/checkin',
          JSON.stringify({ clientId: crypto.randomUUID(), identityKey: toBase64(identity.publicKey) }),
        )
      ).json()) as { round: string; token: string };
    // Once check-in has closed: the index each was drawn at.
    const seated = async (j: { round: string; token: string }) => ({
      ...j,
      index: (
        (await (
          await fetch(`${server.url}/v1/rounds/${j.round}/me`, { headers: { authorization: `Bearer ${j.token}` } })
        ).json()) as { index: number }
      ).index,
    });
    // The advertisement below is signed with a's identity: the server checks that it is the one a checked in with.
    const identity = await createIdentity();
    const joinedA = await join(identity);
    const identityB = await createIdentity();
    const b = await seated(await join(identityB));
    const a = await seated(joinedA);
    const signed = await new SecAggClient(a.index, identity, {
      round: a.round,
      threshold: 2,
      vectorLength: 16,
    }).advertise();
    const good = {
      index: a.index,
      token: a.token,
      cipherPublicKey: toBase64(signed.ad.cipherPublicKey),
      maskPublicKey: toBase64(signed.ad.maskPublicKey),
      signature: toBase64(signed.signature),
    };
    expect((await post(`/v1/rounds/${a.round}/advertise`, JSON.stringify(good))).status).toBe(200);

    const snapshot = () =>
      Promise.all(
        [
          'participants',
          'advertisements',
          'share_bundles',
          'masked_inputs',
          'unmask_responses',
          'rounds',
          'model_versions',
        ].map(async (t) => (await server.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))!.n),
      );
    const before = await snapshot();
    const rand = mulberry32(42);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const adv = `/v1/rounds/${a.round}/advertise`;
    const cases: (() => [string, string, number[]])[] = [
      () => [adv, '{"index": 1, "token": ', [400]], // truncated JSON
      () => [adv, '{"index": NaN}', [400]],
      () => [adv, JSON.stringify({ ...good, index: 1e999 }).replace('null', '1e999'), [400]], // Infinity
      () => [adv, JSON.stringify({ ...good, index: '1' }), [400]],
      () => [
        adv,
        JSON.stringify({ ...good, index: b.index, token: b.token, maskPublicKey: toBase64(new Uint8Array(33)) }),
        [400],
      ], // wrong key length
      () => [adv, JSON.stringify({ ...good, cipherPublicKey: '!!notbase64!!' }), [400]],
      () => [adv, JSON.stringify(good), [409]], // replay
      () => [adv, JSON.stringify({ ...good, index: b.index }), [403]], // someone else's index with my token
      () => [adv, JSON.stringify({ ...good, index: 99 }), [403]],
      () => [`/v1/rounds/${crypto.randomUUID()}/advertise`, JSON.stringify(good), [404]],
      () => [`/v1/rounds/${a.round}/masked`, JSON.stringify({ index: a.index, token: a.token, vector: 'AAAA' }), [409]], // wrong phase
      () => [adv, JSON.stringify({ ...good, signature: 'A'.repeat(10_000) }), [400]],
      () => [adv, `{"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`, [413]],
      () => ['/v1/checkin', JSON.stringify({ clientId: 'not-a-uuid', identityKey: 'AAAA' }), [400]],
      () => ['/v1/checkin', '[]', [400]],
      () => [adv, 'null', [400]],
    ];
    const seen = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const [path, body, allowed] = pick(cases)();
      const response = await post(path, body);
      expect(allowed, `${path} ${body.slice(0, 80)}`).toContain(response.status);
      const json = (await response.json()) as { error?: string };
      expect(json.error?.length ?? 0).toBeGreaterThan(5);
      seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([400, 403, 404, 409, 413]);
    expect(await snapshot()).toEqual(before);
    expect((await fetch(`${server.url}/health`)).ok).toBe(true);

    // The round still works: B's proper advertisement completes the phase.
    const signedB = await new SecAggClient(b.index, identityB, {
      round: b.round,
      threshold: 2,
      vectorLength: 16,
    }).advertise();
    const okB = await post(
      adv,
      JSON.stringify({
        index: b.index,
        token: b.token,
        cipherPublicKey: toBase64(signedB.ad.cipherPublicKey),
        maskPublicKey: toBase64(signedB.ad.maskPublicKey),
        signature: toBase64(signedB.signature),
      }),
    );
    expect(okB.status).toBe(200);
    expect(((await (await fetch(`${server.url}/v1/rounds/${a.round}`)).json()) as { phase: string }).phase).toBe(
      'share',
    );
  }, 120_000);
});
