// The foundation demo: a catalog grid that records views and cart adds, and a "for you" list
// ranked in the pocketrank worker after every event.
import { createRecommender, type CatalogItem, type TrackInput } from 'pocketrank';

const MODEL = new URL('../test/fixtures/generated/model/model.json', location.href).href;
const $ = (id: string) => document.getElementById(id)!;

async function main(): Promise<void> {
  const catalog = ((await (await fetch(new URL('catalog.json', MODEL))).json()) as { items: CatalogItem[] }).items;
  const rec = await createRecommender({ model: MODEL, catalog, dbName: 'pocketrank-demo' });
  const history: string[] = [];

  const refresh = async () => {
    const start = performance.now();
    const top = await rec.recommend({ k: 8 });
    const ms = performance.now() - start;
    const status = await rec.status();
    $('status').textContent = `Backend: ${status.backend} (${status.backendReason || 'first choice'}) · model ${status.model.id} v${status.model.version} · ${status.storedEvents} events on this device`;
    $('latency').textContent = `Ranked ${status.rankableItems} items in ${ms.toFixed(1)} ms`;
    $('recs').replaceChildren(
      ...top.map((r) => {
        const li = document.createElement('li');
        li.innerHTML = `${r.itemId} <span class="score">${r.score.toFixed(2)}</span>`;
        return li;
      }),
    );
    $('history').replaceChildren(...history.slice(-10).reverse().map((h) => Object.assign(document.createElement('li'), { textContent: h })));
  };

  const act = async (event: TrackInput & { itemId: string }) => {
    rec.track(event);
    history.push(`${event.type === 'view' ? 'viewed' : 'added'} ${event.itemId}`);
    await refresh();
  };

  $('catalog').replaceChildren(
    ...catalog.map((item) => {
      const card = document.createElement('div');
      card.className = 'card';
      const attrs = Object.entries(item.attributes ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join(' · ');
      card.innerHTML = `<h3>${item.id}</h3><p>${attrs}</p>`;
      const view = Object.assign(document.createElement('button'), { textContent: 'View' });
      view.onclick = () => act({ type: 'view', itemId: item.id });
      const cart = Object.assign(document.createElement('button'), { textContent: 'Add to cart' });
      cart.onclick = () => act({ type: 'add_to_cart', itemId: item.id });
      card.append(view, cart);
      return card;
    }),
  );
  await refresh();
}

main().catch((error: unknown) => {
  $('status').textContent = `pocketrank failed to start: ${String(error)}`;
});
