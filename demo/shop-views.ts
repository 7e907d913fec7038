// The shop's pages: the grid, a product page, the cart and checkout. Every action is a
// pocketrank event; the recommendation rows are <pocketrank-recs> widgets that refresh themselves.
import type { CatalogItem, Recommender } from 'pocketrank';
import { amazonUrl, el, nameOf, productCard, recsWidget } from './shop-data.js';

/** What the pages share. */
export interface Shop {
  rec: Recommender;
  items: CatalogItem[];
  byId: Map<string, CatalogItem>;
  cart: Map<string, number>;
  onCart: () => void;
}

const section = (title: string, hint: string, ...content: Node[]) => {
  const s = el('section');
  s.append(el('h2', '', title), ...(hint ? [el('p', 'hint', hint)] : []), ...content);
  return s;
};

/**
 * Home: personal rows, then search (pocketrank's own, on the device: typo-tolerant, ordered by
 * the shopper's history) over the catalog grid by popularity.
 */
export function shopPage(shop: Shop): Node[] {
  const grid = el('div', 'grid');
  grid.replaceChildren(
    ...[...shop.items]
      .sort((a, b) => (b.popularity ?? 0) - (a.popularity ?? 0))
      .slice(0, 48)
      .map(productCard),
  );
  const search = document.createElement('pocketrank-search');
  search.setAttribute('count', '24');
  search.setAttribute('placeholder', 'Search products, e.g. lip balm');
  const template = (document.getElementById('card-template') as HTMLTemplateElement).cloneNode(
    true,
  ) as HTMLTemplateElement;
  template.removeAttribute('id');
  search.append(template);
  const found = el('p', 'hint');
  // Results replace the popular grid while there is a query.
  search.addEventListener('pocketrank-results', (event) => {
    const { query, results, latencyMs } = (
      event as CustomEvent<{ query: string; results: unknown[]; latencyMs: number }>
    ).detail;
    grid.style.display = query !== '' ? 'none' : '';
    found.textContent = results.length
      ? `${results.length} found and ordered for you on this device in ${latencyMs.toFixed(1)} ms`
      : `Nothing matches “${query}”.`;
  });
  search.addEventListener('input', () => {
    if ((search.querySelector('input') as HTMLInputElement).value.trim() === '') {
      grid.style.display = '';
      found.textContent = '';
    }
  });
  return [
    section(
      'For you',
      'Ranked on this device from your views and cart; trending until you have a history.',
      recsWidget('for-you', 6, { explain: '' }),
    ),
    section('Recently viewed', '', recsWidget('recently-viewed', 6)),
    section('Search', 'Your query never leaves this browser.', search, found),
    section('Popular in Beauty', '', grid),
  ];
}

/** A product page: records the view; similar items and what goes with it. */
export function productPage(shop: Shop, id: string): Node[] {
  const item = shop.byId.get(id);
  if (!item) return [el('p', '', `No product ${id} in this shop.`)];
  shop.rec.track({ type: 'view', itemId: id });
  const wrap = el('div', 'product');
  const thumb = el('div', 'thumb');
  const info = el('div');
  const add = el('button', 'primary', 'Add to cart');
  add.onclick = () => {
    shop.rec.track({ type: 'add_to_cart', itemId: id });
    shop.cart.set(id, (shop.cart.get(id) ?? 0) + 1);
    shop.onCart();
    add.textContent = 'Added ✓';
  };
  const link = el('a', '', 'See it on amazon.com ↗');
  Object.assign(link, { href: amazonUrl(id), target: '_blank', rel: 'noopener' });
  document.title = `${nameOf(item, id)} · pocketrank demo shop`;
  info.append(
    ...(item.brand ? [el('p', 'brand', item.brand)] : []),
    el('h2', '', nameOf(item, id)),
    el('p', 'hint', `ASIN ${id} · ${item.popularity ?? 0} sold · no price in this demo data`),
    add,
    el('p'),
    link,
  );
  wrap.append(thumb, info);
  // On a product page the history ends with this item, so "for you" would repeat "goes well
  // with": it leaves out what that row shows.
  const goesWith = recsWidget('bought-together', 6, { item: id });
  const forYou = recsWidget('for-you', 6, { explain: '', exclude: id });
  goesWith.querySelector('pocketrank-recs')!.addEventListener('pocketrank-render', (event) => {
    const shown = (event as CustomEvent<{ results: { itemId: string }[] }>).detail.results.map((r) => r.itemId);
    forYou.querySelector('pocketrank-recs')!.setAttribute('exclude', [id, ...shown].join(','));
  });
  return [
    wrap,
    section(
      'Similar items',
      'Nearest neighbours in the model’s item embeddings.',
      recsWidget('similar', 6, { item: id }),
    ),
    section('Goes well with', 'What shoppers pick next after this item.', goesWith),
    section('Because you viewed', 'Each item names the event in your history that raised it most.', forYou),
  ];
}

/** Cart and checkout: removing and buying are events too. */
export function cartPage(shop: Shop): Node[] {
  const list = el('div', 'panel');
  if (shop.cart.size === 0) list.append(el('p', 'hint', 'Your cart is empty.'));
  for (const [id, qty] of shop.cart) {
    const row = el('div', 'toolbar');
    const remove = el('button', '', 'Remove');
    remove.onclick = () => {
      shop.rec.track({ type: 'remove_from_cart', itemId: id });
      shop.cart.delete(id);
      shop.onCart();
      location.hash = '#/cart';
      dispatchEvent(new HashChangeEvent('hashchange'));
    };
    row.append(el('span', '', `${qty} × ${nameOf(shop.byId.get(id), id)}`), remove);
    list.append(row);
  }
  const checkout = el('button', 'primary', 'Check out');
  checkout.disabled = shop.cart.size === 0;
  checkout.onclick = () => {
    for (const id of shop.cart.keys()) shop.rec.track({ type: 'purchase', itemId: id });
    shop.cart.clear();
    shop.onCart();
    list.replaceChildren(el('p', '', 'Thank you! Your order is placed (demo: nothing is charged).'));
    checkout.disabled = true;
  };
  return [
    section('Your cart', '', list, checkout),
    section(
      'Complete your order',
      'Cart-based: what goes with everything in your cart.',
      recsWidget('bought-together', 6),
    ),
  ];
}
