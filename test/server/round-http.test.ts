import { afterEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../server/store/sql-database.js';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { runRound, type RoundRunnerOptions } from '../../worker/federated/round-runner.js';
import { keepInserts } from './keep-inserts.js';
import { expectMean, latestModel, runClients } from './round-clients.js';
import { startTestServer } from './start-test-server.js';

const LENGTH = 32;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Client i's update: a recognisable vector inside the clip range. */
const updateOf = (i: number) => Float32Array.from({ length: LENGTH }, (_, j) => (((i * 7 + j) % 11) - 5) / 10);

const clients = (url: string, n: number, drop?: (i: number) => RoundRunnerOptions['dropAfter']) =>
  runClients(
    url,
    Array.from({ length: n }, (_, i) => i),
    updateOf,
    { timeoutMs: 60_000, ...(drop && { drop }) },
  );

/** Keeps a copy of every masked vector and share bundle the server stores (see keepInserts). */
async function recordUploads(db: SqlDatabase): Promise<void> {
  await keepInserts(db, 'masked_inputs', ['round_id', 'idx', 'vector']);
  await keepInserts(db, 'share_bundles', ['round_id', 'from_idx', 'to_idx']);
}

describe('federation server: a secure-aggregation round over HTTP', () => {
  it("publishes model v2 = v1 + mean of 8 clients' updates, unmasked once; the server stores only masked vectors", async () => {
    const events: string[] = [];
    const server = await startTestServer(
      { minClients: 8, maxClients: 8, vectorLength: LENGTH, phaseDeadlineMs: 10_000, clip: 10 },
      undefined,
      { log: (event) => events.push(event) },
    );
    stop = server.stop;
    await recordUploads(server.store.db);
    const outcomes = await clients(server.url, 8);
    expect(outcomes.map((o) => o.phase)).toEqual(Array(8).fill('done'));
    expect(outcomes.every((o) => o.uploadedBytes === LENGTH * 4)).toBe(true);
    const model = await latestModel(server.url);
    expect(model.version).toBe(2);
    expectMean(model.params, [0, 1, 2, 3, 4, 5, 6, 7], updateOf, 1e-6);
    // The eight responses that each found the round ready started one unmasking, in any number of instances.
    expect(events.filter((e) => e === 'round_unmasking')).toHaveLength(1);
    // What the server kept of client 1 during the round: a vector unrelated to its update.
    const row = (await server.store.db.get<{ vector: Buffer }>('SELECT vector FROM seen_masked_inputs WHERE idx = 1'))!;
    const stored = new Int32Array(new Uint8Array(row.vector).buffer);
    expect(stored).toHaveLength(LENGTH);
    expect(Math.max(...Array.from(stored, Math.abs))).toBeGreaterThan(2 ** 28);
    // Once the sum is published the uploads are gone; who took part stays (privacy accounting).
    const left = async (sql: string) => (await server.store.db.get<{ n: number }>(sql))!.n;
    expect(await left('SELECT COALESCE(SUM(length(vector)), 0) AS n FROM masked_inputs')).toBe(0);
    expect(await left('SELECT COUNT(*) AS n FROM masked_inputs')).toBe(8);
    expect(
      (await left('SELECT COUNT(*) AS n FROM share_bundles')) +
        (await left('SELECT COUNT(*) AS n FROM unmask_responses')),
    ).toBe(0);
    expect(await left('SELECT COUNT(*) AS n FROM seen_share_bundles')).toBe(8 * 7);
  }, 120_000);

  it('weighs clients by their data when the server says so (weightExamples), up to weightCap, over the same secure sum', async () => {
    // Typical history: 4 examples; client i has i + 1, so weights 0.25, 0.5, ..., capped at 1.5.
    const server = await startTestServer({
      minClients: 8,
      maxClients: 8,
      vectorLength: LENGTH,
      phaseDeadlineMs: 10_000,
      clip: 10,
      weightExamples: 4,
      weightCap: 1.5,
    });
    stop = server.stop;
    const weight = (i: number) => Math.min((i + 1) / 4, 1.5);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) =>
        runRound({
          server: server.url,
          clientId: crypto.randomUUID(),
          identity: await createIdentity(),
          update: () => updateOf(i),
          examples: i + 1,
          pollMs: 50,
          timeoutMs: 60_000,
        }),
      ),
    );
    expect(outcomes.map((o) => o.phase)).toEqual(Array(8).fill('done'));
    const model = await latestModel(server.url);
    for (let j = 0; j < LENGTH; j++) {
      const weighted = Array.from({ length: 8 }, (_, i) => weight(i) * updateOf(i)[j]!).reduce((a, b) => a + b, 0) / 8;
      expect(Math.abs(model.params[j]! - weighted)).toBeLessThan(1e-6);
    }
    // The weighted mean differs from the plain one, so the weights did reach the sum.
    expect(
      Math.max(
        ...Array.from({ length: LENGTH }, (_, j) =>
          Math.abs(
            model.params[j]! - Array.from({ length: 8 }, (_, i) => updateOf(i)[j]!).reduce((a, b) => a + b, 0) / 8,
          ),
        ),
      ),
    ).toBeGreaterThan(0.01);
  }, 120_000);

  it("recovers the survivors' mean when a third drop after sharing keys", async () => {
    const server = await startTestServer({
      minClients: 9,
      maxClients: 9,
      vectorLength: LENGTH,
      phaseDeadlineMs: 1_500,
      clip: 10,
    });
    stop = server.stop;
    const outcomes = await clients(server.url, 9, (i) => (i < 3 ? 'share' : undefined));
    const survivors = outcomes.filter((o) => o.i >= 3);
    expect(survivors.map((o) => o.phase)).toEqual(Array(6).fill('done'));
    const model = await latestModel(server.url);
    expect(model.version).toBe(2);
    expectMean(
      model.params,
      survivors.map((o) => o.i),
      updateOf,
      1e-6,
    );
  }, 120_000);

  it('aborts below the threshold and publishes nothing', async () => {
    const server = await startTestServer({
      minClients: 6,
      maxClients: 6,
      vectorLength: LENGTH,
      phaseDeadlineMs: 1_000,
      clip: 10,
    });
    stop = server.stop;
    const outcomes = await clients(server.url, 6, (i) => (i < 3 ? 'share' : undefined));
    const rest = outcomes.filter((o) => o.i >= 3);
    expect(rest.map((o) => o.phase)).toEqual(['aborted', 'aborted', 'aborted']);
    expect(rest[0]!.abortReason).toMatch(/threshold/);
    expect((await latestModel(server.url)).version).toBe(1);
    // An aborted round's sealed shares go too: nothing will ever be unmasked from them.
    expect((await server.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM share_bundles'))!.n).toBe(0);
  }, 120_000);

  it('SecAgg+: 40 clients on a degree-6 graph exchange keys and shares with 6 neighbours each and still publish the exact mean, with dropouts', async () => {
    const events: string[] = [];
    const server = await startTestServer(
      { minClients: 40, maxClients: 40, vectorLength: LENGTH, phaseDeadlineMs: 2_000, clip: 10, neighbors: 6 },
      undefined,
      { log: (event) => events.push(event) },
    );
    stop = server.stop;
    await recordUploads(server.store.db);
    const outcomes = await clients(server.url, 40, (i) => (i < 2 ? 'share' : undefined));
    const survivors = outcomes.filter((o) => o.i >= 2);
    expect(survivors.map((o) => o.phase)).toEqual(Array(38).fill('done'));
    const round = outcomes[0]!.round;
    const info = (await (await fetch(`${server.url}/v1/rounds/${round}`)).json()) as {
      degree: number;
      shareThreshold: number;
      threshold: number;
    };
    expect(info).toMatchObject({ degree: 6, shareThreshold: 5, threshold: 27 });
    expect(events.filter((e) => e === 'round_unmasking')).toHaveLength(1);
    // Each client sealed shares for its 6 neighbours only (not the 39 others), and saw 7 advertisements.
    const perSender = await server.store.db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM seen_share_bundles WHERE round_id = ? GROUP BY from_idx',
      [round],
    );
    expect(perSender).toHaveLength(40);
    expect(perSender.every((r) => r.n === 6)).toBe(true);
    const ads = (await (await fetch(`${server.url}/v1/rounds/${round}/advertisements?index=5`)).json()) as {
      index: number;
    }[];
    expect(ads).toHaveLength(7);
    expect((await fetch(`${server.url}/v1/rounds/${round}/advertisements?index=x1`)).status).toBe(400);
    // A client's view of the survivors: the whole survivor set (all of them sign it), but key
    // sharers and signatures of its neighbourhood only, so no request scans the cohort.
    const neighborhood = ads.map((a) => a.index);
    const all = (await (await fetch(`${server.url}/v1/rounds/${round}/survivors`)).json()) as {
      survivors: number[];
      sharedKeys: number[];
      signatures: { index: number }[];
    };
    const mine = (await (await fetch(`${server.url}/v1/rounds/${round}/survivors?index=5`)).json()) as typeof all;
    expect(all.survivors).toEqual(survivors.map((o) => o.index).sort((a, b) => a - b));
    expect(mine.survivors).toEqual(all.survivors);
    expect(mine.sharedKeys).toEqual(all.sharedKeys.filter((i) => neighborhood.includes(i)));
    expect(mine.signatures.map((x) => x.index)).toEqual(
      all.signatures.map((x) => x.index).filter((i) => neighborhood.includes(i)),
    );
    expect(mine.signatures.length).toBeGreaterThan(0);
    expect(mine.signatures.length).toBeLessThan(all.signatures.length);
    const model = await latestModel(server.url);
    expect(model.version).toBe(2);
    expectMean(
      model.params,
      survivors.map((o) => o.i),
      updateOf,
      1e-6,
    );
  }, 120_000);
});
