import { afterAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../protocol/messages.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { startTestServer } from './start-test-server.js';

let stop: (() => Promise<void>) | undefined;
afterAll(async () => stop?.());

describe('round info for polling clients', () => {
  it('counts participants while check-in is open and reports the closed cohort after', async () => {
    const server = await startTestServer({ minClients: 3, maxClients: 3, vectorLength: 8, phaseDeadlineMs: 10_000 });
    stop = server.stop;
    const info = async (round: string) =>
      (await (await fetch(`${server.url}/v1/rounds/${round}`)).json()) as { phase: string; participants: number };
    const seen: [string, number][] = [];
    let round = '';
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({
        clientId: crypto.randomUUID(),
        identityKey: toBase64((await createIdentity()).publicKey),
      });
      ({ round } = (await (
        await fetch(`${server.url}/v1/checkin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
      ).json()) as { round: string });
      const now = await info(round);
      seen.push([now.phase, now.participants]);
    }
    // The third check-in fills the cohort and closes check-in: later polls read the cohort, not a
    // count frozen while it was still filling.
    expect(seen).toEqual([
      ['checkin', 1],
      ['checkin', 2],
      ['advertise', 3],
    ]);
    expect((await info(round)).participants).toBe(3);
  }, 30_000);
});
