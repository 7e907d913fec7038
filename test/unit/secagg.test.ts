import { describe, expect, it } from 'vitest';
import { UnmaskError, unmaskSum } from '../../server/secagg/unmask-sum.js';
import { decodeFixed, encodeFixed, fixedPointFor } from '../../protocol/secagg/fixed-point.js';
import { defaultDegree, neighborGraph, neighborhoodThreshold } from '../../protocol/secagg/neighbor-graph.js';
import { batchInverse, inverse, mod, P, randomElement } from '../../protocol/secagg/prime-field.js';
import {
  roundGraph,
  SecAggClient,
  type RoundParams,
  type SignedAdvertisement,
  type UnmaskResponse,
} from '../../protocol/secagg/secagg-client.js';
import { SecAggRefusal } from '../../protocol/secagg/secagg-refusal.js';
import { reconstructSecret, shareSecret } from '../../protocol/secagg/shamir.js';
import { createIdentity, type KeyAdvertisement } from '../../protocol/secagg/signed-keys.js';

const LENGTH = 64;

/** Plays one full round in process, relaying messages as the server would. */
async function playRound(
  n: number,
  options: {
    dropAfterSharing?: number;
    threshold?: number;
    tamper?: boolean;
    length?: number;
    zeroInputs?: boolean;
    degree?: number;
  } = {},
) {
  const length = options.length ?? LENGTH;
  const minSurvivors = options.threshold ?? Math.floor((2 * n) / 3) + 1;
  const params: RoundParams = options.degree
    ? // A fixed round id fixes the graph, so which neighbourhoods the dropouts hit is the same every run.
      {
        round: `test-${n}-graph`,
        threshold: neighborhoodThreshold(options.degree, 2 / 3),
        minSurvivors,
        vectorLength: length,
        graph: { cohortSize: n, degree: options.degree },
      }
    : { round: `test-${n}-${crypto.randomUUID()}`, threshold: minSurvivors, vectorLength: length };
  const graph = roundGraph(params);
  // What the server relays to client `id`: its neighbours' advertisements and its own.
  const relayed = (id: number) => ads.filter((a) => a.ad.client === id || !graph || graph.adjacent(id, a.ad.client));
  const clients = await Promise.all(
    Array.from({ length: n }, async (_, i) => new SecAggClient(i + 1, await createIdentity(), params)),
  );
  const ads: SignedAdvertisement[] = await Promise.all(clients.map((c) => c.advertise()));
  const identities = new Map(ads.map((a) => [a.ad.client, a.identityKey]));
  if (options.tamper) ads[1] = { ...ads[1]!, ad: { ...ads[1]!.ad, maskPublicKey: ads[0]!.ad.maskPublicKey } };
  const outbox = new Map<number, { from: number; sealed: Uint8Array<ArrayBuffer> }[]>();
  for (const c of clients) {
    for (const { to, sealed } of await c.shareKeys(relayed(c.id), (id) => identities.get(id))) {
      outbox.set(to, [...(outbox.get(to) ?? []), { from: c.id, sealed }]);
    }
  }
  for (const c of clients) await c.receiveShares(outbox.get(c.id) ?? []);
  const u2 = clients.map((c) => c.id);
  const dropped = new Set(u2.slice(0, options.dropAfterSharing ?? 0));
  const inputs = new Map<number, Uint32Array>();
  const masked = new Map<number, Uint32Array>();
  for (const c of clients) {
    const x = options.zeroInputs ? new Uint32Array(length) : crypto.getRandomValues(new Uint32Array(length));
    inputs.set(c.id, x);
    if (!dropped.has(c.id)) masked.set(c.id, await c.maskedInput(x, u2));
  }
  const survivors = [...masked.keys()];
  const responses: UnmaskResponse[] = [];
  const consistency: { client: number; signature: Uint8Array<ArrayBuffer> }[] = [];
  if (survivors.length >= minSurvivors) {
    for (const c of clients)
      if (!dropped.has(c.id)) consistency.push({ client: c.id, signature: await c.signSurvivorSet(survivors) });
    for (const c of clients) if (!dropped.has(c.id)) responses.push(await c.unmask(survivors, u2, consistency));
  }
  const advertisements = new Map<number, KeyAdvertisement>(ads.map((a) => [a.ad.client, a.ad]));
  const expected = new Uint32Array(length);
  for (const id of survivors) inputs.get(id)!.forEach((v, i) => (expected[i] = (expected[i]! + v) >>> 0));
  return { params, graph, clients, survivors, masked, responses, advertisements, expected, inputs, consistency, u2 };
}

describe('GF(2^521 - 1) inverses', () => {
  it('a * inverse(a) = 1 for random and edge elements, one by one and in a batch; 0 has none', () => {
    const values = [1n, 2n, P - 1n, P + 3n, -5n, ...Array.from({ length: 20 }, () => randomElement())];
    for (const v of values) expect(mod(v * inverse(v))).toBe(1n);
    batchInverse(values).forEach((inv, i) => expect(mod(values[i]! * inv)).toBe(1n));
    expect(() => inverse(P)).toThrow(RangeError);
    expect(() => batchInverse([3n, 0n])).toThrow(RangeError);
  });
});

describe('Shamir sharing over GF(2^521 - 1)', () => {
  it('recovers a 256-bit secret from any t shares', () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const shares = shareSecret(secret, 3, [1, 2, 3, 4, 5]);
    expect(reconstructSecret([shares[4]!, shares[0]!, shares[2]!], 3)).toEqual(secret);
    expect(reconstructSecret(shares.slice(1, 4), 3)).toEqual(secret);
  });

  it('refuses fewer than t shares and duplicates', () => {
    const shares = shareSecret(crypto.getRandomValues(new Uint8Array(32)), 3, [1, 2, 3]);
    expect(() => reconstructSecret(shares.slice(0, 2), 3)).toThrow(/need 3 shares/);
    expect(() => reconstructSecret([shares[0]!, shares[0]!, shares[1]!], 3)).toThrow(/duplicate/);
  });
});

describe('secure aggregation (Bonawitz et al. 2017)', () => {
  for (const n of [10, 50, 100]) {
    it(`unmasks exactly the sum of ${n} clients' inputs`, async () => {
      const round = await playRound(n);
      expect(await unmaskSum(round)).toEqual(round.expected);
    }, 120_000);
  }

  it("recovers the survivors' sum when a third of the clients drop after sharing keys", async () => {
    // 66 survivors: more than the server's batch of 64 masks rebuilt per dropped client.
    const round = await playRound(99, { dropAfterSharing: 33, threshold: 66 });
    expect(round.survivors).toHaveLength(66);
    expect(await unmaskSum(round)).toEqual(round.expected);
  }, 120_000);

  it('aborts below the threshold: clients refuse to unmask and the server cannot', async () => {
    const round = await playRound(12, { dropAfterSharing: 5, threshold: 8 });
    expect(round.responses).toHaveLength(0);
    await expect(round.clients[6]!.signSurvivorSet(round.survivors)).rejects.toThrow(/threshold/);
    await expect(round.clients[6]!.unmask(round.survivors, round.u2, [])).rejects.toThrow(/threshold/);
    // A refusal, typed so runners end the session and simulations count a dropout, not a bug.
    await expect(round.clients[6]!.unmask(round.survivors, round.u2, [])).rejects.toBeInstanceOf(SecAggRefusal);
    await expect(unmaskSum(round)).rejects.toBeInstanceOf(UnmaskError);
  });

  it('never reveals both shares of one client: a second, different unmask request is refused', async () => {
    const round = await playRound(6, { threshold: 4 });
    const survivor = round.clients[5]!;
    await expect(survivor.unmask(round.survivors, round.u2.slice(1), round.consistency)).rejects.toThrow(
      /second, different/,
    );
  });

  it('consistency check: a server that shows survivors different sets is caught before any share is revealed', async () => {
    const round = await playRound(6, { threshold: 4, dropAfterSharing: 1 });
    const [a, b] = [round.clients[4]!, round.clients[5]!];
    // The server tells one client that client 1 dropped, and claims to others it survived.
    const honest = round.survivors;
    const lie = [...honest, 1];
    await expect(a.unmask(lie, round.u2, round.consistency)).rejects.toThrow(/differs from the one this client signed/);
    // Signatures over another set (or too few) do not count.
    const forged = round.consistency.slice(0, 3);
    await expect(b.unmask(honest, round.u2, forged)).rejects.toThrow(/signed this survivor set/);
    await expect(a.unmask(lie, round.u2, round.consistency)).rejects.toBeInstanceOf(SecAggRefusal);
  });

  it('rejects a key advertisement the server swapped', async () => {
    await expect(playRound(5, { tamper: true, threshold: 3 })).rejects.toThrow(/not signed by its identity/);
  });

  it('a single masked upload looks uniformly random (chi-square on its bytes), even for an all-zero update', async () => {
    const round = await playRound(3, { threshold: 2, length: 16_384, zeroInputs: true });
    expect(await unmaskSum(round)).toEqual(new Uint32Array(16_384));
    for (const upload of round.masked.values()) {
      const bytes = new Uint8Array(upload.buffer);
      const counts = new Array<number>(256).fill(0);
      for (const b of bytes) counts[b]! += 1;
      const expected = bytes.length / 256;
      const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      // 255 degrees of freedom; 377 is the p = 1e-6 critical value (Wilson-Hilferty), so a uniform
      // source fails about once in a million runs, while any structure left from the input fails at once.
      expect(chi2).toBeLessThan(377);
    }
  });
});

describe('SecAgg+ (Bell et al. 2020): masks and shares only along a random k-regular graph', () => {
  it('builds the same k-regular, connected graph everywhere from the round id, and a different one per round', () => {
    const g = neighborGraph('round-a', 1000, 40);
    expect(g.degree).toBe(40);
    for (const c of [1, 500, 1000]) {
      const ns = g.neighbors(c);
      expect(ns).toHaveLength(40);
      expect(ns).not.toContain(c);
      for (const v of ns) expect(g.neighbors(v)).toContain(c);
    }
    let edges = 0;
    for (let c = 1; c <= 1000; c++) edges += g.neighbors(c).length;
    expect(edges).toBe(1000 * 40);
    // Connected: breadth-first search from client 1 reaches everyone.
    const seen = new Set([1]);
    const queue = [1];
    while (queue.length) for (const v of g.neighbors(queue.pop()!)) if (!seen.has(v)) (seen.add(v), queue.push(v));
    expect(seen.size).toBe(1000);
    expect(neighborGraph('round-a', 1000, 40).neighbors(7)).toEqual(g.neighbors(7));
    expect(neighborGraph('round-b', 1000, 40).neighbors(7)).not.toEqual(g.neighbors(7));
    expect(neighborGraph('round-a', 10, 40).neighbors(3)).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10]);
    expect([defaultDegree(10), defaultDegree(50), defaultDegree(1000)]).toEqual([9, 24, 40]);
  });

  it('unmasks exactly the sum of 120 clients of degree 16, each sharing with 16 peers instead of 119', async () => {
    const round = await playRound(120, { degree: 16 });
    expect(round.graph?.degree).toBe(16);
    for (const r of round.responses) expect(r.selfMaskShares.length).toBe(17);
    expect(await unmaskSum(round)).toEqual(round.expected);
  }, 120_000);

  it("recovers the survivors' sum when clients drop after sharing keys: only their neighbours' masks are rebuilt", async () => {
    const round = await playRound(60, { degree: 12, dropAfterSharing: 8, threshold: 40 });
    expect(round.survivors).toHaveLength(52);
    expect(await unmaskSum(round)).toEqual(round.expected);
  }, 120_000);

  it('refuses an advertisement from a client outside the neighbourhood (a server padding the cohort)', async () => {
    const params: RoundParams = {
      round: 'r-outsider',
      threshold: 3,
      minSurvivors: 5,
      vectorLength: 8,
      graph: { cohortSize: 30, degree: 4 },
    };
    const graph = roundGraph(params)!;
    const outsider = [...Array(30).keys()].map((i) => i + 1).find((v) => v !== 1 && !graph.adjacent(1, v))!;
    const clients = await Promise.all(
      [1, ...graph.neighbors(1), outsider].map(async (id) => new SecAggClient(id, await createIdentity(), params)),
    );
    const ads = await Promise.all(clients.map((c) => c.advertise()));
    const identities = new Map(ads.map((a) => [a.ad.client, a.identityKey]));
    await expect(clients[0]!.shareKeys(ads, (id) => identities.get(id))).rejects.toThrow(/not a neighbour/);
  });
});

describe('fixed-point encoding', () => {
  it('sums n clipped vectors without wrapping and decodes within one quantum per client', () => {
    const n = 100;
    const fp = fixedPointFor(n, 1);
    const vectors = Array.from({ length: n }, () =>
      Float32Array.from({ length: 32 }, () => (crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32) * 2.4 - 1.2),
    );
    const sum = new Uint32Array(32);
    for (const v of vectors) encodeFixed(v, fp).forEach((q, i) => (sum[i] = (sum[i]! + q) >>> 0));
    const decoded = decodeFixed(sum, fp);
    for (let i = 0; i < 32; i++) {
      const exact = vectors.reduce((s, v) => s + Math.max(-1, Math.min(1, v[i]!)), 0);
      expect(Math.abs(decoded[i]! - exact)).toBeLessThan(n / fp.scale + 1e-3);
    }
    expect(() => encodeFixed(Float32Array.of(Number.NaN), fp)).toThrow(/not finite/);
  });
});
