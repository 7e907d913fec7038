import { expect } from 'chai';
import { defineRecsElement, type CatalogItem, type Recommendation } from 'pocketrank';
import { FIXTURE_MODEL, deleteDb, rejection, startFixture, uniqueDb } from './helpers.js';

/** The fixture's 40 items, with what a real shop's catalog carries. */
async function shopCatalog(): Promise<CatalogItem[]> {
  const fixture = (await (await fetch(FIXTURE_MODEL.replace('model.json', 'catalog.json'))).json()) as {
    items: CatalogItem[];
  };
  return fixture.items.map((item, i) => ({
    ...item,
    title: `Product ${item.id.slice(4)}`,
    url: `https://shop.example/p/${item.id}`,
    image: `https://cdn.shop.example/${item.id}.jpg`,
    ...(i % 2 === 0 && { price: { amount: 10 + i + 0.5, currency: 'EUR' } }),
    brand: `Brand ${i % 3}`,
    category: ['Beauty', i % 2 ? 'Hair' : 'Face'],
    margin: 0.3, // a field pocketrank does not know: kept
  }));
}

const rendered = (el: Element) =>
  new Promise((resolve) => el.addEventListener('pocketrank-render', resolve, { once: true }));

describe('a catalog with names, links, images and prices', () => {
  it('every recommendation carries its display fields; explanations name items by title', async () => {
    const dbName = uniqueDb('content');
    const rec = await startFixture({ dbName, catalog: await shopCatalog() });
    try {
      rec.track({ type: 'view', itemId: 'sku-05' });
      const [top] = await rec.recommend({ k: 1, explain: true });
      expect(top).to.deep.include({
        itemId: 'sku-06',
        title: 'Product 06',
        url: 'https://shop.example/p/sku-06',
        image: 'https://cdn.shop.example/sku-06.jpg',
        brand: 'Brand 2',
      });
      expect(top!.category).to.deep.equal(['Beauty', 'Hair']);
      expect(top!.price).to.equal(undefined); // sku-06 has none: nothing invented
      expect(top!.reason.because).to.deep.equal({ itemId: 'sku-05', type: 'view', title: 'Product 05' });
      // sku-07 is the fixture's 7th item: it has a price of 10 + 6 + 0.5.
      const [seven] = await rec.recommend({ k: 1, pin: ['sku-07'] });
      expect(seven!.price).to.deep.equal({ amount: 16.5, currency: 'EUR' });
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('the widget prints title, brand and a locale-formatted price, fills {url} and {image}, and injects no HTML', async () => {
    const dbName = uniqueDb('content-widget');
    const catalog = await shopCatalog();
    catalog.find((c) => c.id === 'sku-07')!.title = '<img src=x onerror="window.__pwned=1">Rose oil';
    const rec = await startFixture({ dbName, catalog });
    defineRecsElement(rec, { tagName: 'pocketrank-recs-content' });
    const widget = document.createElement('pocketrank-recs-content');
    widget.setAttribute('count', '2');
    widget.setAttribute('explain', '');
    widget.innerHTML =
      '<template><a class="card" href="{url}"><img src="{image}" alt="{title}">' +
      '<b data-pr-text="title"></b><i data-pr-text="brand"></i><span class="price" data-pr-text="price"></span>' +
      '<small data-pr-text="reason"></small></a></template>';
    const lang = document.documentElement.lang;
    document.documentElement.lang = 'de-DE';
    try {
      rec.track({ type: 'view', itemId: 'sku-06' });
      await rec.flush();
      const done = rendered(widget);
      document.body.append(widget);
      await done;
      const cards = [...widget.querySelectorAll<HTMLAnchorElement>('a.card:not([aria-hidden])')];
      expect(cards.map((c) => c.dataset.pocketrankItem)).to.deep.equal(['sku-07', 'sku-08']);
      const [seven, eight] = cards;
      expect(seven!.querySelector('b')!.textContent).to.equal('<img src=x onerror="window.__pwned=1">Rose oil');
      expect(seven!.querySelector('b img')).to.equal(null);
      expect(seven!.getAttribute('href')).to.equal('https://shop.example/p/sku-07');
      expect(seven!.querySelector('img')!.getAttribute('src')).to.equal('https://cdn.shop.example/sku-07.jpg');
      expect(seven!.querySelector('i')!.textContent).to.equal('Brand 0');
      expect(eight!.querySelector<HTMLElement>('.price')!.hidden).to.equal(true); // sku-08 has no price
      expect(seven!.querySelector('.price')!.textContent).to.equal(
        new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(16.5),
      );
      expect(seven!.querySelector('.price')!.textContent).to.match(/16,50\s€/);
      expect(seven!.querySelector('small')!.textContent).to.equal('Because you viewed Product 06');
      expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    } finally {
      document.documentElement.lang = lang;
      widget.remove();
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('renderItem gets the same fields', async () => {
    const dbName = uniqueDb('content-render');
    const rec = await startFixture({ dbName, catalog: await shopCatalog() });
    defineRecsElement(rec, { tagName: 'pocketrank-recs-content-r' });
    const widget = document.createElement('pocketrank-recs-content-r') as HTMLElement & {
      renderItem: (r: Recommendation, reason: string) => Element;
    };
    widget.setAttribute('scenario', 'trending');
    widget.setAttribute('count', '1');
    const seen: Recommendation[] = [];
    widget.renderItem = (r) => {
      seen.push(r);
      return Object.assign(document.createElement('p'), { textContent: `${r.brand}: ${r.title}` });
    };
    try {
      const done = rendered(widget);
      document.body.append(widget);
      await done;
      expect(seen[0]!.title).to.match(/^Product \d\d$/);
      expect(widget.querySelector('p')!.textContent).to.equal(`${seen[0]!.brand}: ${seen[0]!.title}`);
    } finally {
      widget.remove();
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('rejects bad fields with catalog_load_failed naming the item and the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ price: { amount: -1, currency: 'EUR' } }, /"sku-01" field price.amount/],
      [{ price: { amount: 5, currency: 'euro' } }, /"sku-01" field price.currency/],
      [{ url: 'javascript:alert(1)' }, /"sku-01" field url must be http\(s\) or relative/],
      [{ image: 'data:image/png;base64,AAAA' }, /"sku-01" field image/],
      [{ title: 42 }, /"sku-01" field title/],
      [{ category: ['Beauty', 3] }, /"sku-01" field category\[1\]/],
    ];
    const base = await shopCatalog();
    for (const [change, message] of cases) {
      const catalog = base.map((item) =>
        item.id === 'sku-01' ? { ...item, ...change } : item,
      ) as unknown as CatalogItem[];
      const error = await rejection(startFixture({ catalog }));
      expect(error.code, JSON.stringify(change)).to.equal('catalog_load_failed');
      expect(error.message).to.match(message);
    }
  });

  it('a catalog URL resolves relative links and images against itself', async () => {
    const dbName = uniqueDb('content-url');
    const rec = await startFixture({ dbName, catalog: '/test/browser/pages/shop-catalog.json' });
    try {
      const [top] = await rec.recommend({ k: 1, scenario: 'trending' });
      expect(top).to.deep.include({
        itemId: 'sku-02',
        title: 'Argan hair oil',
        url: new URL('/test/browser/pages/p/sku-02', location.href).href,
        image: new URL('/img/sku-02.jpg', location.href).href,
      });
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });
  it('diversity re-ranks the list for variety and keeps it valid', async () => {
    const dbName = uniqueDb('diversity');
    const rec = await startFixture({ dbName });
    try {
      for (const itemId of ['sku-03', 'sku-04', 'sku-05']) rec.track({ type: 'view', itemId });
      await rec.setStock({ 'sku-12': false });
      const plain = await rec.recommend({ k: 8 });
      const varied = await rec.recommend({ k: 8, diversity: 0.8 });
      expect(varied).to.have.length(8);
      expect(varied.map((r) => r.itemId)).to.not.deep.equal(plain.map((r) => r.itemId));
      expect(varied[0]!.itemId).to.equal(plain[0]!.itemId); // the most relevant item still leads
      const ids = varied.map((r) => r.itemId);
      expect(new Set(ids).size).to.equal(8);
      for (const id of ['sku-03', 'sku-04', 'sku-05', 'sku-12']) expect(ids).to.not.include(id);
      expect((await rec.recommend({ k: 8, diversity: 0 })).map((r) => r.itemId)).to.deep.equal(
        plain.map((r) => r.itemId),
      );
      const pinned = await rec.recommend({ k: 4, diversity: 0.5, pin: ['sku-30'], scenario: 'trending' });
      expect(pinned[0]!.itemId).to.equal('sku-30');
      expect(pinned).to.have.length(4);
      for (const bad of [-0.1, 1.5, '0.5'])
        expect((await rejection(rec.recommend({ k: 4, diversity: bad as number }))).code).to.equal('invalid_argument');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });
});
