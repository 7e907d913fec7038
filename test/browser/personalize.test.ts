import { expect } from 'chai';
import { deleteDb, rejection, startFixture, uniqueDb } from './helpers.js';

describe('on-device personalization (no server)', () => {
  it("learns a shopper's own habit in the worker, keeps recommend() answering, and persists", async () => {
    const dbName = uniqueDb('personal');
    let rec = await startFixture({ dbName });
    try {
      // The crowd model knows "after sku-03 comes sku-04"; this shopper cycles 07 -> 03 -> 11.
      const t0 = Date.now() - 60_000;
      ['sku-07', 'sku-03', 'sku-11', 'sku-07', 'sku-03', 'sku-11', 'sku-07', 'sku-03'].forEach((itemId, i) =>
        rec.track({ type: 'purchase', itemId, timestamp: t0 + i }),
      );
      expect((await rec.recommend({ k: 1, includeSeen: true, includePurchased: true }))[0]!.itemId).to.equal('sku-04');
      expect((await rec.status()).personalized).to.equal(false);

      let finished = false;
      const training = rec.personalize({ steps: 60, learningRate: 0.01 }).then((r) => {
        finished = true;
        return r;
      });
      let answeredDuringTraining = 0;
      for (let i = 0; i < 3; i++) {
        await rec.recommend({ k: 5 });
        if (!finished) answeredDuringTraining += 1;
      }
      const result = await training;
      expect(answeredDuringTraining).to.be.greaterThan(0);
      expect(result.steps).to.equal(60);
      expect(result.lossAfter).to.be.below(result.lossBefore);
      expect((await rec.recommend({ k: 1, includeSeen: true, includePurchased: true }))[0]!.itemId).to.equal('sku-11');
      expect((await rec.status()).personalized).to.equal(true);
      await rec.close();

      rec = await startFixture({ dbName });
      expect((await rec.status()).personalized).to.equal(true);
      expect((await rec.recommend({ k: 1, includeSeen: true, includePurchased: true }))[0]!.itemId).to.equal('sku-11');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('refuses with too little history or bad options, changing nothing', async () => {
    const rec = await startFixture();
    try {
      expect((await rejection(rec.personalize())).code).to.equal('invalid_argument');
      rec.track({ type: 'view', itemId: 'sku-01' });
      rec.track({ type: 'view', itemId: 'sku-02' });
      expect((await rejection(rec.personalize({ steps: 0 }))).code).to.equal('invalid_argument');
      expect((await rec.status()).personalized).to.equal(false);
    } finally {
      await rec.close();
    }
  });

  it('lets one tab train at a time: a second concurrent personalize() on the same database is busy', async () => {
    const dbName = uniqueDb('lock');
    const [a, b] = [await startFixture({ dbName }), await startFixture({ dbName })];
    try {
      ['sku-01', 'sku-02', 'sku-03'].forEach((itemId) => a.track({ type: 'view', itemId }));
      await a.flush();
      b.track({ type: 'view', itemId: 'sku-04' });
      b.track({ type: 'view', itemId: 'sku-05' });
      await b.flush();
      const first = a.personalize({ steps: 200 });
      await new Promise((r) => setTimeout(r, 50));
      const error = await rejection(b.personalize({ steps: 5 }));
      expect(error.code).to.equal('busy');
      expect((await first).steps).to.equal(200);
    } finally {
      await a.close();
      await b.close();
      await deleteDb(dbName);
    }
  });
});
