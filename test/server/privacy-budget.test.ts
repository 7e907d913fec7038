import { afterAll, describe, expect, it } from 'vitest';
import { dpFedAvgEpsilon } from '../../server/privacy/rdp-accountant.js';
import { toBase64 } from '../../protocol/messages.js';
import { RoundHttpError } from '../../worker/federated/round-http.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { startTestServer } from './start-test-server.js';

let stop: (() => Promise<void>) | undefined;
afterAll(async () => stop?.());

describe('per-deployment privacy budget', () => {
  it('reports the epsilon spent and starts no round that would exceed the budget', async () => {
    const [population, z, delta] = [30, 1.5, 1 / 30];
    const eps2 = dpFedAvgEpsilon(3 / population, z, 2, delta);
    const eps3 = dpFedAvgEpsilon(3 / population, z, 3, delta);
    const server = await startTestServer({
      minClients: 3,
      maxClients: 3,
      vectorLength: 8,
      clip: 1,
      noiseMultiplier: z,
      population,
      epsilonBudget: (eps2 + eps3) / 2,
      phaseDeadlineMs: 10_000,
    });
    stop = server.stop;
    const privacy = async () =>
      (await (await fetch(`${server.url}/v1/privacy`)).json()) as {
        epsilon: number;
        delta: number;
        rounds: number;
        budget: number;
      };
    expect((await privacy()).epsilon).toBe(0);
    for (let round = 0; round < 2; round++) {
      const outcomes = await Promise.all(
        [0, 1, 2].map(async () =>
          runRound({
            server: server.url,
            clientId: crypto.randomUUID(),
            identity: await createIdentity(),
            update: () => new Float32Array(8).fill(0.1),
            pollMs: 20,
          }),
        ),
      );
      expect(outcomes.map((o) => o.phase)).toEqual(['done', 'done', 'done']);
    }
    const spent = await privacy();
    expect(spent.rounds).toBe(2);
    expect(spent.delta).toBeCloseTo(delta, 12);
    expect(spent.epsilon).toBeCloseTo(eps2, 9);
    const refused = await fetch(`${server.url}/v1/checkin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientId: crypto.randomUUID(),
        identityKey: toBase64((await createIdentity()).publicKey),
      }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/privacy budget spent/);
    // A device is told the same, as a typed refusal that ends its saved session.
    let saved: unknown = 'kept';
    const refusal = await runRound({
      server: server.url,
      clientId: crypto.randomUUID(),
      identity: await createIdentity(),
      update: () => new Float32Array(8),
      pollMs: 20,
      persist: async (s) => void (saved = s),
    }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RoundHttpError);
    expect(refusal).toMatchObject({ status: 403, message: expect.stringMatching(/privacy budget spent/) });
    expect(saved).toBeUndefined();
  }, 60_000);
});
