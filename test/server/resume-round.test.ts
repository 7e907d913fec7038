import { afterAll, describe, expect, it } from 'vitest';
import { runRound, type RoundSession } from '../../worker/federated/round-runner.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { startTestServer } from './start-test-server.js';

let stop: (() => Promise<void>) | undefined;
afterAll(async () => stop?.());

const LENGTH = 16;
const updateOf = (i: number) => Float32Array.from({ length: LENGTH }, (_, j) => ((i + 2 * j) % 7) / 10 - 0.3);

describe('resuming a round after a page reload', () => {
  it('a client that left after sharing keys comes back from its saved session and is counted, not dropped', async () => {
    const server = await startTestServer({
      minClients: 4,
      maxClients: 4,
      vectorLength: LENGTH,
      clip: 10,
      phaseDeadlineMs: 60_000,
    });
    stop = server.stop;
    const identities = await Promise.all([0, 1, 2, 3].map(() => createIdentity()));
    let saved: RoundSession | undefined;
    const snapshots: string[] = [];
    const persist = async (s: RoundSession | undefined) => {
      // Through structured clone, as IndexedDB would store it.
      saved = s === undefined ? undefined : structuredClone(s);
      if (s) snapshots.push(s.step);
    };
    const others = Promise.all(
      [1, 2, 3].map((i) =>
        runRound({
          server: server.url,
          clientId: crypto.randomUUID(),
          identity: identities[i]!,
          update: () => updateOf(i),
          pollMs: 20,
        }),
      ),
    );
    const first = await runRound({
      server: server.url,
      clientId: crypto.randomUUID(),
      identity: identities[0]!,
      update: () => updateOf(0),
      pollMs: 20,
      persist,
      dropAfter: 'share',
    });
    expect(saved?.step).toBe('shared');
    // The "reloaded page": same identity from IndexedDB, the saved session, no new check-in.
    const resumed = await runRound({
      server: server.url,
      clientId: crypto.randomUUID(),
      identity: identities[0]!,
      update: () => updateOf(0),
      pollMs: 20,
      persist,
      session: saved!,
    });
    expect(resumed.round).toBe(first.round);
    expect(resumed.phase).toBe('done');
    expect(saved).toBe(undefined);
    expect(snapshots).toContain('masked');
    expect((await others).map((o) => o.phase)).toEqual(['done', 'done', 'done']);
    const { survivors } = (await (await fetch(`${server.url}/v1/rounds/${first.round}/survivors`)).json()) as {
      survivors: number[];
    };
    expect(survivors).toHaveLength(4);
    const params = new Float32Array(await (await fetch(`${server.url}/v1/models/2`)).arrayBuffer());
    for (let j = 0; j < LENGTH; j++)
      expect(Math.abs(params[j]! - [0, 1, 2, 3].reduce((s, i) => s + updateOf(i)[j]!, 0) / 4)).toBeLessThan(1e-6);
  }, 60_000);
});
