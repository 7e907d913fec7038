import { expect } from 'chai';
import { deleteDb, startFixture, uniqueDb } from './helpers.js';

const exists = async (name: string) => (await indexedDB.databases()).some((d) => d.name === name);

describe('consent, forget and retention', () => {
  it('with consent denied stores nothing, ranks from memory, and stores once granted', async () => {
    const dbName = uniqueDb('consent');
    const rec = await startFixture({ dbName, consent: 'denied' });
    try {
      for (const itemId of ['sku-05', 'sku-06', 'sku-07']) rec.track({ type: 'view', itemId });
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-08');
      const status = await rec.status();
      expect(status).to.deep.include({ consent: 'denied', storedEvents: 0, sessionEvents: 3 });
      expect(await exists(dbName)).to.equal(false);
      expect((await rec.storedData()).events).to.deep.equal([]);
      await rec.consent('granted');
      expect(await exists(dbName)).to.equal(true);
      expect(await rec.status()).to.deep.include({ consent: 'granted', storedEvents: 3, sessionEvents: 0 });
      expect((await rec.storedData()).events.map((e) => e.itemId)).to.deep.equal(['sku-05', 'sku-06', 'sku-07']);
      // Withdrawing consent deletes what was stored; this page keeps its session.
      await rec.consent('denied');
      expect(await exists(dbName)).to.equal(false);
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-08');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('forget() deletes the database and the history, and the SDK keeps working', async () => {
    const dbName = uniqueDb('forget');
    const rec = await startFixture({ dbName });
    try {
      for (const itemId of ['sku-05', 'sku-06', 'sku-07']) rec.track({ type: 'view', itemId });
      await rec.personalize({ steps: 2 });
      expect((await rec.status()).personalized).to.equal(true);
      rec.track({ type: 'view', itemId: 'sku-08' }); // still queued when forget() is called
      await rec.forget();
      expect(await exists(dbName)).to.equal(false);
      const status = await rec.status();
      expect(status).to.deep.include({ storedEvents: 0, personalized: false });
      expect((await rec.recommend({ k: 1 }))[0]!.reason.kind).to.equal('trending');
      rec.track({ type: 'view', itemId: 'sku-30' });
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-31');
      expect((await rec.status()).storedEvents).to.equal(1);
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('deletes events beyond the retention count and age, oldest first', async () => {
    const dbName = uniqueDb('retention');
    const rec = await startFixture({ dbName });
    const now = Date.now();
    rec.track({ type: 'view', itemId: 'sku-01', timestamp: now - 10 * 86_400_000 });
    for (let i = 0; i < 8; i++) rec.track({ type: 'view', itemId: `sku-1${i}`, timestamp: now - 1000 + i });
    await rec.close();
    const again = await startFixture({ dbName, retention: { maxAgeDays: 5, maxEvents: 5 } });
    try {
      expect((await again.storedData()).events.map((e) => e.itemId)).to.deep.equal([
        'sku-13',
        'sku-14',
        'sku-15',
        'sku-16',
        'sku-17',
      ]);
      expect((await again.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-18');
    } finally {
      await again.close();
      await deleteDb(dbName);
    }
  });
});
