import { expect } from 'chai';
import { deleteDb, startFixture, uniqueDb } from './helpers.js';

const journalKeys = (dbName: string) =>
  Object.keys(localStorage).filter((key) => key.startsWith(`pocketrank:${dbName}:journal:`));

/** What a page does as it is hidden or frozen (a test cannot hide its own page). */
const freeze = () => document.dispatchEvent(new Event('freeze'));

describe('the page-hide journal', () => {
  it('hands events a hidden tab has not stored yet to the next start, which stores each once', async () => {
    const dbName = uniqueDb('journal');
    // A long flush interval keeps the events on the page, as a page that goes away at once would.
    const hidden = await startFixture({ dbName, flushIntervalMs: 60_000 });
    const next = await (async () => {
      hidden.track({ type: 'view', itemId: 'sku-05' });
      hidden.track({ type: 'add_to_cart', itemId: 'sku-06' });
      freeze();
      expect(journalKeys(dbName)).to.have.length(1);
      return startFixture({ dbName });
    })();
    try {
      const status = await next.status();
      expect(status.storage).to.deep.include({ state: 'durable', recovered: 2 });
      expect(journalKeys(dbName)).to.deep.equal([]);
      expect((await next.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-07');
      // The hidden tab was alive after all and stores its batch too: the numbers make that a no-op.
      await hidden.flush();
      const events = (await next.storedData()).events.map((e) => `${e.type}:${e.itemId}`);
      expect(events).to.deep.equal(['view:sku-05', 'add_to_cart:sku-06']);
      // ...and still ranks on its own events, which another tab stored for it.
      expect((await hidden.recommend({ k: 1 }))[0]!.itemId).to.equal('sku-07');
    } finally {
      await hidden.close();
      await next.close();
      await deleteDb(dbName);
    }
  });

  it('replays nothing twice when the worker stored the events after the journal was written', async () => {
    const dbName = uniqueDb('journal-stored');
    const rec = await startFixture({ dbName, flushIntervalMs: 60_000 });
    rec.track({ type: 'view', itemId: 'sku-11' });
    freeze();
    const [key] = journalKeys(dbName);
    const journal = localStorage.getItem(key!)!;
    await rec.flush();
    await rec.close();
    // The tab died after both: its journal survived next to the stored event.
    localStorage.setItem(key!, journal);
    const again = await startFixture({ dbName });
    try {
      expect((await again.status()).storage.recovered).to.equal(0);
      expect((await again.storedData()).events.map((e) => e.itemId)).to.deep.equal(['sku-11']);
      expect(journalKeys(dbName)).to.deep.equal([]);
    } finally {
      await again.close();
      await deleteDb(dbName);
    }
  });

  it('is never written without consent, and forget() clears every journal of the shop', async () => {
    const dbName = uniqueDb('journal-consent');
    const denied = await startFixture({ dbName, consent: 'denied', flushIntervalMs: 60_000 });
    denied.track({ type: 'view', itemId: 'sku-01' });
    freeze();
    expect(journalKeys(dbName)).to.deep.equal([]);
    await denied.close();
    const granted = await startFixture({ dbName, flushIntervalMs: 60_000 });
    try {
      granted.track({ type: 'view', itemId: 'sku-02' });
      freeze();
      expect(journalKeys(dbName)).to.have.length(1);
      await granted.forget();
      expect(journalKeys(dbName)).to.deep.equal([]);
    } finally {
      await granted.close();
      await deleteDb(dbName);
    }
  });

  it('holds only the newest unstored events within its size cap', async () => {
    const dbName = uniqueDb('journal-cap');
    const rec = await startFixture({ dbName, flushIntervalMs: 60_000 });
    try {
      const note = 'n'.repeat(1000);
      for (let i = 0; i < 400; i++) rec.track({ type: 'view', itemId: `sku-${(i % 40) + 1}`, context: { i, note } });
      freeze();
      const raw = localStorage.getItem(journalKeys(dbName)[0]!)!;
      expect(raw.length).to.be.at.most(256 * 1024);
      const { batches } = JSON.parse(raw) as { batches: { first: number; events: { context: { i: number } }[] }[] };
      const kept = batches.flatMap((b) => b.events.map((e) => e.context.i));
      expect(kept.length).to.be.within(150, 399);
      expect(kept.at(-1)).to.equal(399);
      expect(batches.at(-1)!.first + batches.at(-1)!.events.length - 1).to.equal(400);
      // Once stored, the journal goes.
      await rec.close();
      expect(journalKeys(dbName)).to.deep.equal([]);
    } finally {
      await deleteDb(dbName);
    }
  });
});
