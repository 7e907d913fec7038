import { expect } from 'chai';
import { defineRecsElement } from 'pocketrank';
import { deleteDb, startFixture, uniqueDb } from './helpers.js';

const hasDb = async (name: string) => (await indexedDB.databases()).some((d) => d.name === name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('forget() with a widget on the page', () => {
  it("stays forgotten: the widget's own refresh and impressions do not bring the database back; the shopper's next action does", async () => {
    const dbName = uniqueDb('forget-widget');
    const rec = await startFixture({ dbName });
    defineRecsElement(rec, { tagName: 'pocketrank-recs-forget' });
    const widget = document.createElement('pocketrank-recs-forget');
    widget.setAttribute('count', '4');
    document.body.prepend(widget);
    try {
      rec.track({ type: 'view', itemId: 'sku-03' });
      await rec.flush();
      // The widget renders, its cards are seen, and it records their impressions.
      for (let i = 0; i < 50 && !(await rec.storedData()).events.some((e) => e.type === 'impression'); i++)
        await sleep(100);
      expect((await rec.storedData()).events.some((e) => e.type === 'impression')).to.equal(true);

      await rec.forget();
      expect(await hasDb(dbName)).to.equal(false);
      // The forget re-renders the widget (pocketrank:change): new cards, new impressions, batches flushed.
      await sleep(2_000);
      expect(await hasDb(dbName), 'the database came back after forget()').to.equal(false);
      expect((await rec.storedData()).events).to.deep.equal([]);

      rec.track({ type: 'view', itemId: 'sku-05' });
      await rec.flush();
      expect(await hasDb(dbName)).to.equal(true);
      expect((await rec.storedData()).events.map((e) => e.itemId)).to.include('sku-05');
    } finally {
      widget.remove();
      await rec.close();
      await deleteDb(dbName);
    }
  });
});
