import { expect } from 'chai';
import type { BackendName, Recommendation } from 'pocketrank';
import { isPocketrankError } from 'pocketrank';
import { rejection, startFixture } from './helpers.js';

const HISTORY = ['sku-11', 'sku-12', 'sku-13', 'sku-30', 'sku-31'];

async function topTenOn(
  backend: BackendName,
): Promise<{ top: Recommendation[]; status: Awaited<ReturnType<Awaited<ReturnType<typeof startFixture>>['status']>> }> {
  const rec = await startFixture({ backend });
  try {
    for (const itemId of HISTORY) rec.track({ type: 'view', itemId });
    const top = await rec.recommend({ k: 10 });
    return { top, status: await rec.status() };
  } finally {
    await rec.close();
  }
}

function expectSameRanking(a: Recommendation[], b: Recommendation[]): void {
  expect(a.map((r) => r.itemId)).to.deep.equal(b.map((r) => r.itemId));
  a.forEach((r, i) => expect(Math.abs(r.score - b[i]!.score)).to.be.below(1e-3));
}

describe('backends', () => {
  it("'webgpu' runs on tfjs's WebGPU backend (SwiftShader here) and agrees with 'wasm' and 'cpu'", async () => {
    const wasm = await topTenOn('wasm');
    const cpu = await topTenOn('cpu');
    const webgpu = await topTenOn('webgpu');
    expect(webgpu.status.backend).to.equal('webgpu');
    expect(webgpu.status.adapter?.architecture).to.equal('swiftshader');
    expect(webgpu.status.adapter?.isSoftware).to.equal(true);
    expect(cpu.status.backend).to.equal('cpu');
    expect(wasm.top).to.have.length(10);
    expect(wasm.top[0]!.itemId).to.equal('sku-32');
    expectSameRanking(webgpu.top, wasm.top);
    expectSameRanking(cpu.top, wasm.top);
  });

  it("'webgl' either runs and agrees, or fails with backend_unavailable", async () => {
    let webgl: Awaited<ReturnType<typeof topTenOn>> | undefined;
    try {
      webgl = await topTenOn('webgl');
    } catch (error) {
      expect(isPocketrankError(error) && error.code).to.equal('backend_unavailable');
      return;
    }
    expect(webgl.status.backend).to.equal('webgl');
    expectSameRanking(webgl.top, (await topTenOn('wasm')).top);
  });

  it("'auto' prefers WASM over the software WebGPU adapter and says why", async () => {
    const rec = await startFixture({ backend: 'auto' });
    try {
      const status = await rec.status();
      expect(status.backend).to.equal('wasm');
      expect(status.adapter?.isSoftware).to.equal(true);
      expect(status.backendReason).to.match(/webgpu adapter is software \(swiftshader\)/);
    } finally {
      await rec.close();
    }
  });

  it('a forced backend that cannot start rejects with backend_unavailable', async () => {
    const error = await rejection(startFixture({ backend: 'wasm', wasmPaths: '/no-such-folder/' }));
    expect(error.code).to.equal('backend_unavailable');
    expect(error.message).to.contain('wasm');
  });
});
