import { expect } from 'chai';
import type { CatalogItem } from 'pocketrank';
import { deleteDb, rejection, startFixture, uniqueDb } from './helpers.js';

/** The fixture model with a content encoder beside it (test/fixtures/make-fixture-model.ts). */
const CONTENT_MODEL = '/test/fixtures/generated/content-model/model.json';

async function soldItems(): Promise<CatalogItem[]> {
  return ((await (await fetch(CONTENT_MODEL.replace('model.json', 'catalog.json'))).json()) as { items: CatalogItem[] })
    .items;
}

describe('products the model was not trained on', () => {
  it('an item added at run time is ranked from its content, in similar and for-you, with a new reason', async () => {
    const dbName = uniqueDb('new-items');
    const rec = await startFixture({ model: CONTENT_MODEL, dbName });
    try {
      expect((await rec.status()).rankableItems).to.equal(58);
      const seven = (await soldItems()).find((item) => item.id === 'sku-07')!;
      // A new product described like sku-07 (same category, brand and price), and one like nothing.
      const result = await rec.upsertItems([
        { id: 'sku-fresh', title: 'Fresh take on product 7', attributes: seven.attributes! },
        { id: 'sku-odd', title: 'Something else', attributes: { category: 'tools', brand: 'brand-x', price: 99 } },
      ]);
      expect(result).to.deep.equal({ added: 2, replaced: 0 });
      expect((await rec.status()).rankableItems).to.equal(60);

      const similar = await rec.recommend({ k: 3, scenario: 'similar', item: 'sku-07' });
      expect(similar[0]!.itemId).to.equal('sku-fresh');
      expect(similar[0]!.reason).to.deep.equal({
        kind: 'new',
        because: { itemId: 'sku-07', type: 'view', title: 'Product 7' },
      });
      expect(similar[0]!.title).to.equal('Fresh take on product 7');

      rec.track({ type: 'view', itemId: 'sku-06' });
      const forYou = await rec.recommend({ k: 3 });
      expect(forYou[0]!.itemId).to.equal('sku-07'); // the trained item still leads
      const fresh = forYou.find((r) => r.itemId === 'sku-fresh');
      expect(fresh, JSON.stringify(forYou.map((r) => r.itemId))).to.not.equal(undefined);
      expect(fresh!.reason.kind).to.equal('new');
      expect((await rec.recommend({ k: 10 })).map((r) => r.itemId)).to.not.include('sku-odd');

      // The new product can anchor lists and be viewed like any other.
      const like = await rec.recommend({ k: 2, scenario: 'similar', item: 'sku-fresh' });
      expect(like[0]!.itemId).to.equal('sku-07');
      rec.track({ type: 'view', itemId: 'sku-fresh' });
      expect((await rec.recommend({ k: 5 })).map((r) => r.itemId)).to.not.include('sku-fresh');
      expect((await rec.status()).unknownHistoryItems).to.equal(0);
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('replaces items by id, keeps stock set at run time, and rejects a bad item changing nothing', async () => {
    const dbName = uniqueDb('upsert');
    const rec = await startFixture({ model: CONTENT_MODEL, dbName });
    try {
      await rec.setStock({ 'sku-09': false });
      const nine = (await soldItems()).find((item) => item.id === 'sku-09')!;
      expect(await rec.upsertItems([{ ...nine, title: 'Renamed nine' }])).to.deep.equal({ added: 0, replaced: 1 });
      const pinned = await rec.recommend({ k: 1, pin: ['sku-09'], scenario: 'trending' });
      expect(pinned.map((r) => r.itemId)).to.not.include('sku-09'); // still out of stock
      await rec.setStock({ 'sku-09': true });
      expect((await rec.recommend({ k: 1, pin: ['sku-09'] }))[0]!.title).to.equal('Renamed nine');

      const bad = await rejection(rec.upsertItems([{ id: 'sku-bad', url: 'javascript:alert(1)' }]));
      expect(bad.code).to.equal('invalid_argument');
      expect(bad.message).to.match(/"sku-bad" field url/);
      expect((await rec.status()).rankableItems).to.equal(58);
      expect((await rejection(rec.upsertItems('nope' as unknown as CatalogItem[]))).code).to.equal('invalid_argument');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('a catalog given at start ranks its new products from their content too', async () => {
    const dbName = uniqueDb('new-at-start');
    const items = await soldItems();
    const catalog = [...items, { id: 'sku-launch', title: 'Launch', attributes: items[11]!.attributes! }];
    const rec = await startFixture({ model: CONTENT_MODEL, dbName, catalog });
    try {
      expect((await rec.status()).rankableItems).to.equal(59);
      const similar = await rec.recommend({ k: 1, scenario: 'similar', item: 'sku-12' });
      expect(similar[0]!.itemId).to.equal('sku-launch');
      // Stock changes keep the new products' rows: every list still ranks, the new one included.
      await rec.setStock({ 'sku-03': false, 'sku-launch': true });
      expect((await rec.recommend({ k: 1, scenario: 'similar', item: 'sku-12' }))[0]!.itemId).to.equal('sku-launch');
      rec.track({ type: 'view', itemId: 'sku-12' });
      const forYou = await rec.recommend({ k: 59 });
      expect(forYou.map((r) => r.itemId))
        .to.include('sku-launch')
        .and.not.include('sku-03');
      await rec.setStock({ 'sku-launch': false });
      expect((await rec.recommend({ k: 59 })).map((r) => r.itemId)).to.not.include('sku-launch');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });
});
