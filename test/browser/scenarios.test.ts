import { expect } from 'chai';
import type { CatalogItem, Recommender } from 'pocketrank';
import { FIXTURE_MODEL, rejection, startFixture } from './helpers.js';

// The fixture shop is a ring: after sku-n comes sku-(n+1). sku-59/60 are not sold, sku-new-* unknown to the model.
async function trendingOrder(): Promise<string[]> {
  const { items } = (await (await fetch(new URL('catalog.json', new URL(FIXTURE_MODEL, location.href)))).json()) as {
    items: CatalogItem[];
  };
  return items
    .filter((i) => i.popularity !== undefined)
    .sort((a, b) => b.popularity! - a.popularity!)
    .map((i) => i.id);
}

async function withFixture(run: (rec: Recommender) => Promise<void>): Promise<void> {
  const rec = await startFixture();
  try {
    await run(rec);
  } finally {
    await rec.close();
  }
}

describe('scenarios', () => {
  it('falls back to trending with no history, then turns personal as history grows', () =>
    withFixture(async (rec) => {
      const cold = await rec.recommend({ k: 5 });
      expect(cold.map((r) => r.itemId)).to.deep.equal((await trendingOrder()).slice(0, 5));
      expect(cold.every((r) => r.reason.kind === 'trending')).to.equal(true);
      for (const itemId of ['sku-05', 'sku-06', 'sku-07']) rec.track({ type: 'view', itemId });
      const warm = await rec.recommend({ k: 3 });
      expect(warm[0]!.itemId).to.equal('sku-08');
      expect(warm[0]!.reason.kind).to.equal('history');
      expect((await rec.recommend({ k: 5, scenario: 'trending' })).map((r) => r.itemId)).to.deep.equal(
        (await trendingOrder()).slice(0, 5),
      );
    }));

  it('explains each item by the history event whose removal costs it most beyond what it costs the rest of the list', () =>
    withFixture(async (rec) => {
      rec.track({ type: 'view', itemId: 'sku-40' });
      rec.track({ type: 'add_to_cart', itemId: 'sku-12' });
      rec.track({ type: 'remove_from_cart', itemId: 'sku-12' });
      rec.track({ type: 'view', itemId: 'sku-20' });
      const top = await rec.recommend({ k: 3, explain: true });
      expect(top[0]!.itemId).to.equal('sku-21');
      expect(top[0]!.reason).to.deep.equal({ kind: 'history', because: { itemId: 'sku-20', type: 'view' } });
      const all = await rec.recommend({ k: 40, explain: true });
      // The item after sku-12 owes its place to the cart add of sku-12, not to the later views.
      expect(all.find((r) => r.itemId === 'sku-13')?.reason.because).to.deep.equal({
        itemId: 'sku-12',
        type: 'add_to_cart',
      });
    }));

  it('similar items: cosine of the model embeddings, never the anchor itself', () =>
    withFixture(async (rec) => {
      const similar = await rec.recommend({ k: 10, scenario: 'similar', item: 'sku-10' });
      expect(similar).to.have.length(10);
      expect(similar.map((r) => r.itemId)).to.not.include('sku-10');
      similar.forEach((r, i) => {
        expect(r.score).to.be.at.most(1 + 1e-5);
        if (i > 0) expect(r.score).to.be.at.most(similar[i - 1]!.score);
        expect(r.reason).to.deep.equal({ kind: 'similar', because: { itemId: 'sku-10', type: 'view' } });
      });
      expect((await rejection(rec.recommend({ k: 3, scenario: 'similar' }))).code).to.equal('invalid_argument');
    }));

  it('bought together: what comes after an item, or after the cart', () =>
    withFixture(async (rec) => {
      expect((await rec.recommend({ k: 1, scenario: 'bought-together', item: 'sku-40' }))[0]!.itemId).to.equal(
        'sku-41',
      );
      rec.track({ type: 'add_to_cart', itemId: 'sku-20' });
      const cart = await rec.recommend({ k: 1, scenario: 'bought-together' });
      expect(cart[0]!.itemId).to.equal('sku-21');
      expect(cart[0]!.reason).to.deep.equal({ kind: 'cart', because: { itemId: 'sku-20', type: 'add_to_cart' } });
    }));

  it('recently viewed: newest first, without purchases', () =>
    withFixture(async (rec) => {
      for (const itemId of ['sku-01', 'sku-02', 'sku-03', 'sku-01']) rec.track({ type: 'view', itemId });
      rec.track({ type: 'purchase', itemId: 'sku-02' });
      const recent = await rec.recommend({ k: 5, scenario: 'recently-viewed' });
      expect(recent.map((r) => r.itemId)).to.deep.equal(['sku-01', 'sku-03']);
      expect(recent[0]!.reason.kind).to.equal('recent');
    }));
});

describe('business rules', () => {
  it('excludes purchases, the cart and out-of-stock items; pins and boosts', () =>
    withFixture(async (rec) => {
      for (const itemId of ['sku-05', 'sku-06']) rec.track({ type: 'view', itemId });
      rec.track({ type: 'purchase', itemId: 'sku-07' });
      rec.track({ type: 'add_to_cart', itemId: 'sku-09' });
      // Ring after ...06, 07, 09: the cart item and the purchase are not offered again.
      const ids = (await rec.recommend({ k: 58 })).map((r) => r.itemId);
      expect(ids).to.not.include.members(['sku-07', 'sku-09']);
      expect(
        (await rec.recommend({ k: 58, includePurchased: true, includeInCart: true, includeSeen: true })).map(
          (r) => r.itemId,
        ),
      ).to.include.members(['sku-07', 'sku-09']);
      const top = (await rec.recommend({ k: 1 }))[0]!.itemId;
      await rec.setStock({ [top]: false });
      expect((await rec.recommend({ k: 58 })).map((r) => r.itemId)).to.not.include(top);
      await rec.setStock({ [top]: true });
      expect((await rec.recommend({ k: 1 }))[0]!.itemId).to.equal(top);
      const err = await rejection(rec.setStock({ 'sku-01': false, 'no-such-sku': false }));
      expect(err.code).to.equal('invalid_argument');
      expect((await rec.recommend({ k: 58 })).map((r) => r.itemId)).to.include('sku-01'); // nothing changed
      const pinned = await rec.recommend({ k: 3, pin: ['sku-50', 'sku-07'] });
      expect(pinned[0]).to.deep.include({ itemId: 'sku-50', reason: { kind: 'pinned' } });
      expect(pinned.map((r) => r.itemId)).to.not.include('sku-07'); // a purchased pin is still a purchase
      expect(new Set(pinned.map((r) => r.itemId)).size).to.equal(3);
      expect((await rec.recommend({ k: 1, boost: { 'sku-30': 1000 } }))[0]!.itemId).to.equal('sku-30');
      const hair = await rec.recommend({ k: 4, scenario: 'trending', filter: { category: 'hair' } });
      for (const r of hair) expect((Number(r.itemId.slice(4)) - 2) % 3).to.equal(0);
    }));

  it('rejects malformed queries with a clear error', () =>
    withFixture(async (rec) => {
      expect((await rejection(rec.recommend({ k: 3, scenario: 'nope' as never }))).message).to.match(
        /scenario must be one of/,
      );
      expect((await rejection(rec.recommend({ k: 3, boost: { a: Number.NaN } }))).code).to.equal('invalid_argument');
      expect((await rejection(rec.recommend({ k: 3, pin: [1 as never] }))).code).to.equal('invalid_argument');
    }));
});
