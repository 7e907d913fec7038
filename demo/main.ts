// The foundation demo: the most popular Beauty products as a grid that records views and cart
// adds, and a "for you" list ranked in the pocketrank worker after every event.
import { createRecommender, type CatalogItem, type Recommender, type TrackInput } from 'pocketrank';

const MODEL = new URL('../models/beauty/model.json', location.href).href;
const GRID_SIZE = 48;
const $ = (id: string) => document.getElementById(id)!;
const productUrl = (asin: string) => `https://www.amazon.com/dp/${encodeURIComponent(asin)}`;

function card(item: CatalogItem, act: (event: TrackInput & { itemId: string }) => void): HTMLElement {
  const el = document.createElement('div');
  el.className = 'card';
  const title = Object.assign(document.createElement('h3'), { textContent: item.id });
  const tags = (item.attributes?.tags as string[] | undefined) ?? [];
  const meta = Object.assign(document.createElement('p'), { textContent: `${tags.length} attributes · ${String(item.attributes?.popularity ?? 0)} purchases` });
  const link = Object.assign(document.createElement('a'), { href: productUrl(item.id), textContent: 'amazon.com ↗', target: '_blank', rel: 'noopener' });
  const view = Object.assign(document.createElement('button'), { textContent: 'View' });
  view.onclick = () => act({ type: 'view', itemId: item.id });
  const cart = Object.assign(document.createElement('button'), { textContent: 'Add to cart' });
  cart.onclick = () => act({ type: 'add_to_cart', itemId: item.id });
  el.append(title, meta, view, cart, link);
  return el;
}

async function main(): Promise<void> {
  const catalog = ((await (await fetch(new URL('catalog.json', MODEL))).json()) as { items: CatalogItem[] }).items;
  const byId = new Map(catalog.map((c) => [c.id, c]));
  // Explicit worker URL so the page works both under the dev server and as a static build.
  const workerUrl = new URL('../dist/pocketrank.worker.js', location.href);
  const rec: Recommender = await createRecommender({ model: MODEL, catalog, dbName: 'pocketrank-demo', workerUrl });
  const history: string[] = [];

  const act = async (event: TrackInput & { itemId: string }) => {
    rec.track(event);
    history.push(`${event.type === 'view' ? 'viewed' : 'added'} ${event.itemId}`);
    await refresh();
  };

  const refresh = async () => {
    const start = performance.now();
    const top = await rec.recommend({ k: 8 });
    const ms = performance.now() - start;
    const status = await rec.status();
    $('status').textContent = `Backend: ${status.backend}${status.backendReason ? ` (${status.backendReason})` : ''} · model ${status.model.id} v${status.model.version} · ${status.storedEvents} events stored on this device`;
    $('latency').textContent = `Ranked ${status.rankableItems.toLocaleString()} products in ${ms.toFixed(1)} ms, on this device`;
    $('recs').replaceChildren(...top.map((r) => card(byId.get(r.itemId) ?? { id: r.itemId }, act)));
    $('history').replaceChildren(...history.slice(-10).reverse().map((h) => Object.assign(document.createElement('li'), { textContent: h })));
  };

  $('personalize').addEventListener('click', async () => {
    $('personalize-status').textContent = 'training in the worker…';
    try {
      const r = await rec.personalize({ steps: 20 });
      $('personalize-status').textContent = `${r.steps} steps in ${Math.round(r.durationMs)} ms, loss ${r.lossBefore.toFixed(2)} → ${r.lossAfter.toFixed(2)}; nothing left this browser`;
      await refresh();
    } catch (error) {
      $('personalize-status').textContent = String(error);
    }
  });

  const popular = [...catalog].sort((a, b) => Number(b.attributes?.popularity ?? 0) - Number(a.attributes?.popularity ?? 0)).slice(0, GRID_SIZE);
  $('catalog').replaceChildren(...popular.map((item) => card(item, act)));
  await refresh();
}

main().catch((error: unknown) => {
  $('status').textContent = `pocketrank failed to start: ${String(error)}`;
});
