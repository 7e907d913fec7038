import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { projectOntoSubspace, publicSubspace, readPublicSubspace } from '../../server/rounds/public-subspace.js';
import { readConfig } from '../../server/rounds/server-config.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { gaussianNoise } from '../../worker/federated/privatize-update.js';
import { createIdentity } from '../../worker/secagg/signed-keys.js';
import { startTestServer } from './start-test-server.js';

/** rank random orthonormal rows of `length` values (Gram-Schmidt on uniform noise). */
function randomBasis(rank: number, length: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const rows: Float64Array[] = [];
  for (let i = 0; i < rank; i++) {
    const r = Float64Array.from({ length }, () => rand() - 0.5);
    for (const o of rows) {
      const dot = r.reduce((s, v, k) => s + v * o[k]!, 0);
      for (let k = 0; k < length; k++) r[k]! -= dot * o[k]!;
    }
    const norm = Math.hypot(...r);
    rows.push(r.map((v) => v / norm));
  }
  const out = new Float32Array(rank * length);
  rows.forEach((r, i) => out.set(Float32Array.from(r), i * length));
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);
const row = (basis: Float32Array, i: number, length: number) => basis.subarray(i * length, (i + 1) * length);

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('public subspace: the server projects the noised mean onto public directions', () => {
  it('is an orthogonal projection: idempotent, the residual orthogonal to every basis row, never longer', () => {
    const s = publicSubspace(randomBasis(3, 20, 1), 20);
    expect(s.rank).toBe(3);
    const v = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i + 1));
    const p = projectOntoSubspace(s, v);
    const again = projectOntoSubspace(s, p);
    p.forEach((x, i) => expect(again[i]).toBeCloseTo(x, 5));
    const residual = v.map((x, i) => x - p[i]!);
    for (let i = 0; i < 3; i++) expect(Math.abs(dot(residual, row(s.basis, i, 20)))).toBeLessThan(1e-5);
    expect(dot(p, p)).toBeLessThan(dot(v, v));
    // A vector inside the span comes back unchanged.
    const inside = row(s.basis, 0, 20).map((x, i) => 2 * x - row(s.basis, 2, 20)[i]!);
    projectOntoSubspace(s, inside).forEach((x, i) => expect(x).toBeCloseTo(inside[i]!, 5));
  });

  it('keeps rank / length of isotropic DP noise: E||P n||^2 = rank * sigma^2', () => {
    const [rank, length, draws] = [8, 400, 300];
    const s = publicSubspace(randomBasis(rank, length, 2), length);
    let kept = 0;
    let total = 0;
    for (let d = 0; d < draws; d++) {
      const n = Float32Array.from(gaussianNoise(length));
      kept += dot(projectOntoSubspace(s, n), projectOntoSubspace(s, n));
      total += dot(n, n);
    }
    // chi-square with rank degrees of freedom per draw: mean rank, sd sqrt(2 rank / draws) after averaging.
    expect(kept / draws / rank).toBeGreaterThan(0.85);
    expect(kept / draws / rank).toBeLessThan(1.15);
    expect(total / draws / length).toBeCloseTo(1, 1);
  });

  it('rejects a basis that is not orthonormal, not whole rows, or not finite, and a projection of the wrong length', () => {
    const basis = randomBasis(2, 10, 3);
    expect(() => publicSubspace(basis.map((v) => v * 1.1), 10)).toThrow(/not orthonormal/);
    const skew = Float32Array.from(basis);
    skew.set(row(basis, 0, 10), 10);
    expect(() => publicSubspace(skew, 10)).toThrow(/not orthonormal/);
    expect(() => publicSubspace(basis.subarray(0, 15), 10)).toThrow(/rows of 10 values/);
    expect(() => publicSubspace(new Float32Array(10), 10)).toThrow(/orthonormal/);
    const nan = Float32Array.from(basis);
    nan[3] = NaN;
    expect(() => publicSubspace(nan, 10)).toThrow(/not finite/);
    expect(() => projectOntoSubspace(publicSubspace(basis, 10), new Float32Array(9))).toThrow(RangeError);
  });

  it('reads a basis file (raw float32) and the server flag, which excludes dpCoordinates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'subspace-'));
    const basis = randomBasis(4, 16, 4);
    await writeFile(join(dir, 'basis.f32'), new Uint8Array(basis.buffer));
    const read = await readPublicSubspace(join(dir, 'basis.f32'), 16);
    expect(read.rank).toBe(4);
    expect(Array.from(read.basis)).toEqual(Array.from(basis));
    await expect(readPublicSubspace(join(dir, 'basis.f32'), 15)).rejects.toThrow(/rows of 15 values/);
    await writeFile(join(dir, 'odd.f32'), new Uint8Array(7));
    await expect(readPublicSubspace(join(dir, 'odd.f32'), 16)).rejects.toThrow(/not a float32 basis/);
    expect(readConfig(['--dp-subspace', 'b.f32'], {}).dpSubspace).toBe('b.f32');
    expect(readConfig([], { POCKETRANK_DP_SUBSPACE: 'c.f32' }).dpSubspace).toBe('c.f32');
    expect(() => readConfig(['--dp-subspace', 'b.f32', '--dp-coordinates', 'true', '--initial-model', 'm.json'], {})).toThrow(/choose one/);
  });

  it('a secure-aggregation round over HTTP moves the model by exactly the projection of the clients\' mean', async () => {
    const LENGTH = 24;
    const subspace = publicSubspace(randomBasis(3, LENGTH, 5), LENGTH);
    await expect(startTestServer({ vectorLength: LENGTH + 1 }, undefined, subspace)).rejects.toThrow(/subspace/);
    const server = await startTestServer({ minClients: 6, maxClients: 6, vectorLength: LENGTH, phaseDeadlineMs: 10_000, clip: 10 }, undefined, subspace);
    stop = server.stop;
    const updateOf = (i: number) => Float32Array.from({ length: LENGTH }, (_, j) => (((i * 5 + j) % 7) - 3) / 10);
    const outcomes = await Promise.all(Array.from({ length: 6 }, async (_, i) => runRound({ server: server.url, clientId: crypto.randomUUID(), identity: await createIdentity(), update: () => updateOf(i), pollMs: 50, timeoutMs: 60_000 })));
    expect(outcomes.map((o) => o.phase)).toEqual(Array(6).fill('done'));
    const { version } = (await (await fetch(`${server.url}/v1/models/latest`)).json()) as { version: number };
    expect(version).toBe(2);
    const params = new Float32Array(await (await fetch(`${server.url}/v1/models/2`)).arrayBuffer());
    const mean = Float32Array.from({ length: LENGTH }, (_, j) => Array.from({ length: 6 }, (_, i) => updateOf(i)[j]!).reduce((a, b) => a + b) / 6);
    const expected = projectOntoSubspace(subspace, mean);
    // Version 1 is zeros and the default server step is FedAvg at lr 1: v2 is the projected mean.
    params.forEach((v, j) => expect(Math.abs(v - expected[j]!)).toBeLessThan(1e-5));
    expect(Math.max(...mean.map((v, j) => Math.abs(v - expected[j]!)))).toBeGreaterThan(0.05);
  }, 120_000);
});
