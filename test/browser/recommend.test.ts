import { expect } from 'chai';
import { startFixture } from './helpers.js';

describe('recommend() on the fixture model (built bundle, wasm)', () => {
  it('ranks the ring successor first after a short history', async () => {
    const rec = await startFixture();
    try {
      for (const id of ['sku-05', 'sku-06', 'sku-07']) rec.track({ type: 'view', itemId: id });
      const top = await rec.recommend({ k: 5 });
      expect(top).to.have.length(5);
      expect(top[0]!.itemId).to.equal('sku-08');
      for (let i = 1; i < top.length; i++) expect(top[i - 1]!.score).to.be.at.least(top[i]!.score);
      const ids = top.map((r) => r.itemId);
      expect(ids).to.not.include.members(['sku-05', 'sku-06', 'sku-07']);
      const status = await rec.status();
      expect(status.backend).to.equal('wasm');
      expect(status.storedEvents).to.equal(3);
      expect(status.rankableItems).to.equal(58);
      expect(status.model).to.include({ id: 'fixture-ring', version: '1', numItems: 60, maxHistory: 50 });
    } finally {
      await rec.close();
    }
  });
});
