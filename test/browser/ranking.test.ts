import { expect } from 'chai';
import { deleteDb, startFixture, uniqueDb } from './helpers.js';

describe('ranking rules and resources', () => {
  it('honours exclude, filter and includeSeen, and never returns items outside catalog or model', async () => {
    const rec = await startFixture();
    try {
      for (const itemId of ['sku-05', 'sku-06', 'sku-07']) rec.track({ type: 'add_to_cart', itemId });
      const all = await rec.recommend({ k: 100 });
      expect(all).to.have.length(55); // 58 rankable items minus 3 seen
      const ids = all.map((r) => r.itemId);
      expect(ids).to.not.include.members(['sku-59', 'sku-60', 'sku-new-1', 'sku-new-2']);
      expect((await rec.recommend({ k: 1, exclude: ['sku-08'] }))[0]!.itemId).to.equal('sku-09');
      const hair = await rec.recommend({ k: 5, filter: { category: 'hair' } });
      expect(hair).to.have.length(5);
      // category cycles face/hair/nails from sku-01, so hair items are sku-02, sku-05, sku-08, ...
      for (const r of hair) expect((Number(r.itemId.slice(4)) - 2) % 3).to.equal(0);
      expect(hair[0]!.itemId).to.equal('sku-08');
      const seen = await rec.recommend({ k: 58, includeSeen: true, includeInCart: true });
      expect(seen.map((r) => r.itemId)).to.include.members(['sku-05', 'sku-06', 'sku-07']);
    } finally {
      await rec.close();
    }
  });

  it('orders history by event time within one batch and against events stored before a reload', async () => {
    const dbName = uniqueDb('order');
    let rec = await startFixture({ dbName });
    const t = Date.now() - 60_000;
    rec.track({ type: 'view', itemId: 'sku-21', timestamp: t + 20 });
    rec.track({ type: 'view', itemId: 'sku-20', timestamp: t + 10 });
    expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-22');
    await rec.close();
    rec = await startFixture({ dbName });
    try {
      rec.track({ type: 'view', itemId: 'sku-19', timestamp: t + 5 });
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-22');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('orders history by event time, even when events arrive out of order', async () => {
    const rec = await startFixture();
    try {
      const t = Date.now() - 60_000;
      rec.track({ type: 'view', itemId: 'sku-40', timestamp: t + 3 });
      rec.track({ type: 'view', itemId: 'sku-41', timestamp: t + 4 });
      await rec.flush();
      rec.track({ type: 'view', itemId: 'sku-39', timestamp: t + 2 });
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-42');
    } finally {
      await rec.close();
    }
  });

  it('leaks no tensors across 1,000 recommend() calls', async () => {
    const rec = await startFixture();
    try {
      rec.track({ type: 'view', itemId: 'sku-10' });
      await rec.recommend({ k: 10 });
      const before = (await rec.status()).tensors;
      for (let i = 0; i < 1000; i++) {
        if (i % 100 === 0) rec.track({ type: 'view', itemId: `sku-${String(10 + i / 100).padStart(2, '0')}` });
        await rec.recommend({ k: 10, filter: i % 2 ? { category: 'face' } : {} });
      }
      expect((await rec.status()).tensors).to.equal(before);
    } finally {
      await rec.close();
    }
  });
});
