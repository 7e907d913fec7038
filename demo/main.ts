// Glow & Co., the pocketrank demo shop: a storefront on the shipped Beauty model where every
// recommendation is computed in a Web Worker in this browser.
import { createRecommender, defineRecsElement, defineSearchElement, type Recommender } from 'pocketrank';
import { experimentsPage } from './experiments-view.js';
import { federationPage } from './federation-view.js';
import { privacyPage } from './privacy-view.js';
import { el, loadCatalog, MODEL_URL } from './shop-data.js';
import { cartPage, productPage, shopPage, type Shop } from './shop-views.js';

const FEDERATION = new URLSearchParams(location.search).get('federation') ?? 'http://127.0.0.1:8787';
const view = document.getElementById('view')!;
const statusBar = document.getElementById('status')!;

async function showStatus(rec: Recommender): Promise<void> {
  const started = performance.now();
  await rec.recommend({ k: 8 });
  const ms = performance.now() - started;
  const s = await rec.status();
  statusBar.textContent =
    `Ranked ${s.rankableItems.toLocaleString()} products in ${ms.toFixed(1)} ms on ${s.backend}` +
    `${s.adapter?.isSoftware ? ' (software GPU skipped)' : ''} · ` +
    (s.storage.state === 'durable'
      ? `${s.storedEvents} events on this device · `
      : `${s.sessionEvents} events in memory only (${s.storage.cause}) · `) +
    `model ${s.model.id} v${s.model.version}${s.personalized ? ' · personalized' : ''}`;
  // The full story (adapter, driver, what was skipped) is one hover away.
  statusBar.title = s.storage.reason ? `${s.backendReason}\n${s.storage.reason}` : s.backendReason;
}

async function main(): Promise<void> {
  const { items, byId } = await loadCatalog();
  const rec = await createRecommender({
    model: MODEL_URL,
    catalog: items,
    dbName: 'pocketrank-demo',
    // Explicit so the page works under the dev server and as a static build.
    workerUrl: new URL('../dist/pocketrank.worker.js', location.href),
    federation: { server: FEDERATION, minNewEvents: 3 },
  });
  // Cards and reasons name products by their catalog titles.
  defineRecsElement(rec);
  defineSearchElement(rec);
  const shop: Shop = {
    rec,
    items,
    byId,
    cart: new Map(),
    onCart: () =>
      (document.getElementById('cart-count')!.textContent = String([...shop.cart.values()].reduce((a, b) => a + b, 0))),
  };
  // The size of what a round uploads comes from the server, asked only once the shopper opted in:
  // before that this browser tells the federation server nothing, not even that it visited.
  let vectorLength: Promise<number> | undefined;
  const uploadSize = () =>
    (vectorLength ??= fetch(`${FEDERATION}/health`)
      .then((r) => r.json() as Promise<{ vectorLength?: number }>)
      .then(
        (h) => h.vectorLength ?? 0,
        () => 0,
      ));

  const route = async () => {
    const hash = decodeURIComponent(location.hash.slice(1) || '/');
    for (const a of document.querySelectorAll('nav a'))
      a.classList.toggle('active', a.getAttribute('href') === `#${hash}`);
    let nodes: Node[];
    if (hash.startsWith('/p/')) nodes = productPage(shop, hash.slice(3));
    else if (hash === '/cart') nodes = cartPage(shop);
    else if (hash === '/privacy') nodes = await privacyPage(rec, uploadSize);
    else if (hash === '/federation') nodes = await federationPage(rec, items, FEDERATION);
    else if (hash === '/experiments') nodes = await experimentsPage(items, FEDERATION);
    else nodes = shopPage(shop);
    if (!hash.startsWith('/p/')) document.title = 'pocketrank demo shop';
    view.replaceChildren(...nodes);
    scrollTo(0, 0);
    await showStatus(rec);
  };
  addEventListener('hashchange', () => void route().catch(fail));
  addEventListener('pocketrank:change', () => void showStatus(rec).catch(() => undefined));
  await route();
}

function fail(error: unknown): void {
  statusBar.textContent = `pocketrank failed: ${String(error)}`;
  view.replaceChildren(el('p', '', String(error)));
}

main().catch(fail);
