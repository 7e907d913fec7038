import { expect } from 'chai';
import { deleteDb, startFixture, uniqueDb } from './helpers.js';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Creates a database with the version-1 layout, as an older SDK release left it. */
async function createV1(name: string, items: string[]): Promise<void> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    const events = open.result.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
    events.createIndex('by-time', 'timestamp');
    events.createIndex('by-item', 'itemId');
  };
  const db = await request(open);
  const tx = db.transaction('events', 'readwrite');
  const t0 = Date.now() - 10_000;
  items.forEach((itemId, i) => tx.objectStore('events').add({ type: 'view', itemId, timestamp: t0 + i }));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

describe('IndexedDB store', () => {
  it('upgrades a version-1 database in place, keeping its events', async () => {
    const name = uniqueDb('upgrade');
    await createV1(name, ['sku-14', 'sku-15', 'sku-16']);
    const rec = await startFixture({ dbName: name });
    try {
      expect((await rec.status()).storedEvents).to.equal(3);
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-17');
    } finally {
      await rec.close();
    }
    const db = await request(indexedDB.open(name));
    try {
      expect(db.version).to.equal(3);
      expect([...db.objectStoreNames]).to.deep.equal(['meta', 'pages']);
      expect([...db.transaction('pages').objectStore('pages').indexNames]).to.deep.equal(['by-newest']);
      // Sequence numbers carry on from the old records.
      expect(await request(db.transaction('meta').objectStore('meta').get('events-total'))).to.equal(3);
    } finally {
      db.close();
      await deleteDb(name);
    }
  });

  it('writes events with their fields, in order, one record per batch', async () => {
    const name = uniqueDb('fields');
    const rec = await startFixture({ dbName: name, flushIntervalMs: 10_000 });
    for (let i = 0; i < 700; i++)
      rec.track({ type: 'view', itemId: `sku-${String((i % 50) + 1).padStart(2, '0')}`, context: { i } });
    rec.track({ type: 'search', query: 'shampoo' });
    await rec.close();
    const db = await request(indexedDB.open(name));
    try {
      const pages = await request(db.transaction('pages').objectStore('pages').getAll());
      // 700 events reach the batcher's 512-event limit once, the rest go at close(): two records.
      expect(pages).to.have.length(2);
      const rows = pages.flatMap(
        (p: { events: { seq: number; type: string; itemId?: string; query?: string; context?: { i: number } }[] }) =>
          p.events,
      );
      expect(rows).to.have.length(701);
      expect(rows.map((r) => r.seq)).to.deep.equal([...Array(701).keys()].map((i) => i + 1));
      expect(rows[0]).to.include({ type: 'view', itemId: 'sku-01' });
      expect(rows[0].context).to.deep.equal({ i: 0 });
      expect(rows[700]).to.include({ type: 'search', query: 'shampoo' });
      expect(rows.map((r) => r.context?.i).slice(0, 700)).to.deep.equal([...Array(700).keys()]);
    } finally {
      db.close();
      await deleteDb(name);
    }
  });
});
