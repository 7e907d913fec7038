import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { limitFetch } from '../../experiments/federated/fetch-limiter.js';

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('limitFetch', () => {
  it('never has more requests in flight than the cap, however they arrive, and restores fetch', async () => {
    let open = 0;
    let most = 0;
    const server = createServer((_, res) => {
      most = Math.max(most, ++open);
      setTimeout(
        () => {
          open--;
          res.end('ok');
        },
        2 + Math.random() * 5,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const original = globalThis.fetch;
    restore = limitFetch(5);
    // Newcomers keep arriving while earlier requests finish.
    const bodies = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 20));
        return (await fetch(url)).text();
      }),
    );
    expect(bodies.every((b) => b === 'ok')).toBe(true);
    expect(most).toBeLessThanOrEqual(5);
    expect(most).toBeGreaterThan(1);
    restore();
    restore = undefined;
    expect(globalThis.fetch).toBe(original);
    server.close();
  });

  it('gives requests the server may hold (wait=) slots of their own, so they never block the rest', async () => {
    const release: (() => void)[] = [];
    const server = createServer((req, res) => {
      // Held requests answer only when told; everything else at once.
      if (req.url?.includes('wait=')) release.push(() => res.end('held'));
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    restore = limitFetch(2, 3);
    const holds = Array.from({ length: 5 }, () => fetch(`${url}status?wait=1000`).then((r) => r.text()));
    // Every held slot is taken and two holds queue, yet plain requests still pass.
    expect(await Promise.all(Array.from({ length: 6 }, async () => (await fetch(url)).text()))).toEqual(
      Array(6).fill('ok'),
    );
    while (release.length < 3) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(release.length).toBe(3);
    while (release.length > 0) release.shift()!();
    await new Promise((r) => setTimeout(r, 100));
    while (release.length > 0) release.shift()!();
    expect(await Promise.all(holds)).toEqual(Array(5).fill('held'));
    server.close();
  });
});
