import { expect } from 'chai';

describe('a federated round with browser clients', () => {
  it('three Web Workers run secure aggregation against the real server; it publishes their mean', async () => {
    const { url } = (await (await fetch('/__federation.json')).json()) as { url: string };
    const before = ((await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number }).version;
    const updates = [0, 1, 2].map((i) => Array.from({ length: 16 }, (_, j) => ((i * 3 + j) % 7) / 10 - 0.3));
    const results = await Promise.all(
      updates.map(
        (update) =>
          new Promise<{ outcome?: { phase: string; uploadedBytes: number }; error?: string }>((resolve) => {
            const worker = new Worker(new URL('./pages/round-worker.ts', import.meta.url), { type: 'module' });
            worker.onmessage = (event) => {
              worker.terminate();
              resolve(event.data);
            };
            worker.postMessage({ server: url, update });
          }),
      ),
    );
    const base = new Float32Array(await (await fetch(`${url}/v1/models/${before}`)).arrayBuffer());
    for (const r of results) {
      expect(r.error).to.equal(undefined);
      expect(r.outcome!.phase).to.equal('done');
      expect(r.outcome!.uploadedBytes).to.equal(base.length * 4);
    }
    const after = ((await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number }).version;
    expect(after).to.equal(before + 1);
    const params = new Float32Array(await (await fetch(`${url}/v1/models/${after}`)).arrayBuffer());
    for (let j = 0; j < base.length; j += 97) {
      const mean = (updates[0]![j % 16]! + updates[1]![j % 16]! + updates[2]![j % 16]!) / 3;
      expect(Math.abs(params[j]! - base[j]! - mean)).to.be.below(1e-5);
    }
  });
});
