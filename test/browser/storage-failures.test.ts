import { expect } from 'chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { deleteDb, startFixture, uniqueDb } from './helpers.js';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** About 30 KB of incompressible context: writes small enough slip under a capped quota unnoticed. */
function bulky(): Record<string, string> {
  const context: Record<string, string> = {};
  for (let k = 0; k < 30; k++)
    context[`k${k}`] = Array.from(crypto.getRandomValues(new Uint8Array(500)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
  return context;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('storage failures degrade instead of dropping events', () => {
  it('a full origin: the oldest events are evicted, new ones kept in memory and reported, stored once there is room', async () => {
    const dbName = uniqueDb('quota');
    const rec = await startFixture({ dbName });
    try {
      // A real QuotaExceededError from IndexedDB: the origin's quota capped a little above what it
      // uses, before the database's first write (IndexedDB asks the quota once, then spends an allowance).
      const { usage = 0 } = await navigator.storage.estimate();
      await executeServerCommand('override-quota', { origin: location.origin, quotaSize: usage + 40_000 });
      for (const itemId of ['sku-01', 'sku-02', 'sku-03', 'sku-04']) {
        rec.track({ type: 'view', itemId });
        await rec.flush(); // one record each, so eviction can take the oldest alone
      }
      expect((await rec.status()).storage.state).to.equal('durable');
      for (const itemId of ['sku-10', 'sku-11', 'sku-12', 'sku-13', 'sku-14'])
        rec.track({ type: 'view', itemId, context: bulky() });
      await rec.flush(); // resolves: nothing is thrown at the shop's page
      const full = await rec.status();
      expect(full.storage).to.deep.include({ state: 'memory-only', cause: 'quota' });
      expect(full.storage.reason).to.match(/quota/);
      expect(full.sessionEvents).to.equal(5);
      // The oldest went first; the rest of the history still ranks, with the new events.
      const kept = (await rec.storedData()).events.map((e) => e.itemId);
      expect(kept).to.deep.equal(['sku-02', 'sku-03', 'sku-04']);
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-15');
      // Held in memory only, they are still the page's to journal if it goes away now.
      document.dispatchEvent(new Event('freeze'));
      const journal = Object.keys(localStorage).find((key) => key.startsWith(`pocketrank:${dbName}:journal:`));
      expect(JSON.parse(localStorage.getItem(journal!)!).batches[0].events).to.have.length(5);

      await executeServerCommand('override-quota', { origin: location.origin });
      await sleep(1100);
      rec.track({ type: 'view', itemId: 'sku-20' });
      await rec.flush();
      const roomy = await rec.status();
      expect(roomy.storage).to.deep.include({ state: 'durable' });
      expect(roomy.sessionEvents).to.equal(0);
      const stored = (await rec.storedData()).events.map((e) => e.itemId);
      expect(stored).to.deep.equal([
        'sku-02',
        'sku-03',
        'sku-04',
        'sku-10',
        'sku-11',
        'sku-12',
        'sku-13',
        'sku-14',
        'sku-20',
      ]);
    } finally {
      await executeServerCommand('override-quota', { origin: location.origin });
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('storage denied (an opaque-origin frame): the SDK starts, ranks from memory and says events are not kept', async () => {
    const { origin: cdn } = (await (await fetch('/__cdn.json')).json()) as { origin: string };
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    const report = new Promise<Record<string, unknown>>((resolve) =>
      addEventListener('message', function onMessage(event) {
        if (event.source !== frame.contentWindow) return;
        removeEventListener('message', onMessage);
        resolve(event.data as Record<string, unknown>);
      }),
    );
    frame.src = `/test/browser/pages/sandboxed-page.html?cdn=${encodeURIComponent(cdn)}`;
    document.body.append(frame);
    try {
      const result = await report;
      expect(result, String(result.error)).to.deep.include({ ok: true, top: 'sku-05', sessionEvents: 2, stored: 0 });
      expect(result.storage).to.deep.include({ state: 'memory-only', cause: 'unavailable' });
      expect((result.storage as { reason: string }).reason).to.match(/IndexedDB is not available here.*denied/);
    } finally {
      frame.remove();
    }
  });

  it('a newer version upgrading the database in another tab: this page keeps its history in memory and says why', async () => {
    const dbName = uniqueDb('upgraded');
    const rec = await startFixture({ dbName });
    try {
      rec.track({ type: 'view', itemId: 'sku-03' });
      await rec.flush();
      const upgraded = await request(indexedDB.open(dbName, 4));
      expect(upgraded.version).to.equal(4);
      upgraded.close();
      rec.track({ type: 'view', itemId: 'sku-20' });
      await rec.flush();
      const status = await rec.status();
      expect(status.storage).to.deep.include({ state: 'memory-only', cause: 'upgraded' });
      expect(status.storage.reason).to.match(/another tab/);
      expect(status.sessionEvents).to.equal(2);
      const top = await rec.recommend({ k: 1 });
      expect(top[0]!.itemId).to.equal('sku-21');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('the database deleted from another tab (forget() there): forgotten here too, and the next event is stored again', async () => {
    const dbName = uniqueDb('deleted');
    const rec = await startFixture({ dbName });
    const other = await startFixture({ dbName });
    try {
      rec.track({ type: 'view', itemId: 'sku-03' });
      await rec.flush();
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-04');
      await other.forget();
      expect((await rec.status()).storedEvents).to.equal(0);
      expect((await rec.recommend({ k: 1 }))[0]!.reason.kind).to.equal('trending');
      rec.track({ type: 'view', itemId: 'sku-10' });
      await rec.flush();
      expect((await rec.status()).storage).to.deep.include({ state: 'durable' });
      expect((await rec.storedData()).events.map((e) => e.itemId)).to.deep.equal(['sku-10']);
    } finally {
      await other.close();
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('two tabs writing at the same time: both keep every event, in order per tab', async () => {
    const dbName = uniqueDb('two-tabs');
    const [a, b] = await Promise.all([startFixture({ dbName }), startFixture({ dbName })]);
    const mine = (tab: string) => [1, 2, 3, 4, 5, 6].map((i) => `sku-${tab}${i}`);
    try {
      for (let i = 0; i < 6; i++) {
        a.track({ type: 'view', itemId: mine('1')[i]! });
        b.track({ type: 'view', itemId: mine('2')[i]! });
        if (i % 2 === 1) await Promise.all([a.flush(), b.flush()]);
      }
      const stored = (await a.storedData()).events.map((e) => e.itemId!);
      expect(stored).to.have.length(12);
      expect(stored.filter((id) => id.startsWith('sku-1'))).to.deep.equal(mine('1'));
      expect(stored.filter((id) => id.startsWith('sku-2'))).to.deep.equal(mine('2'));
      expect(new Set((await b.storedData()).events.map((e) => e.seq)).size).to.equal(12);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deleteDb(dbName);
    }
  });
});
