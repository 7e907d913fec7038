// Catalog helpers for the demo shop: the Beauty items have ASINs, short titles (brands where a
// title starts with one) and anonymous attribute ids, and no images or prices: cards show a
// neutral placeholder and no price at all.
import type { CatalogItem } from 'pocketrank';

export const MODEL_URL = new URL('../models/beauty/model.json', location.href).href;

/**
 * What `npm run simulate` measured on Beauty, as the model card reports it: seed 1 without DP,
 * its full-participation DP run at epsilon 8, and the shares pooled over seeds.
 */
export const SIM_RESULT_URL = new URL('../experiments/results/federated.json', location.href).href;
export const SIM_DP_URL = new URL('../experiments/results/federated-dp-rows-full.json', location.href).href;
export const SIM_POOL_URL = new URL('../experiments/results/federated-seeds.json', location.href).href;
/** What `npm run simulate -- --experiment` measured: periods of an A/B test through the real server, against the truth. */
export const SIM_EXPERIMENT_URL = new URL('../experiments/results/experiment-lift.json', location.href).href;

/** Product page on amazon.com. */
export const amazonUrl = (asin: string): string => `https://www.amazon.com/dp/${encodeURIComponent(asin)}`;

/** Loads the shipped catalog (the model's own catalog.json). */
export async function loadCatalog(): Promise<{ items: CatalogItem[]; byId: Map<string, CatalogItem> }> {
  const items = ((await (await fetch(new URL('catalog.json', MODEL_URL))).json()) as { items: CatalogItem[] }).items;
  return { items, byId: new Map(items.map((i) => [i.id, i])) };
}

/** The name a page shows: the catalog title, else the id. */
export const nameOf = (item: CatalogItem | undefined, id: string): string => item?.title ?? id;

/** Creates an element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** A product card linking to its page in the shop. */
export function productCard(item: CatalogItem): HTMLElement {
  const card = el('a', 'card');
  card.href = `#/p/${encodeURIComponent(item.id)}`;
  card.dataset.id = item.id;
  card.title = nameOf(item, item.id);
  card.append(
    el('span', 'thumb'),
    el('span', 'brand', item.brand ?? ''),
    el('span', 'title', nameOf(item, item.id)),
    el('span', 'meta', `${item.popularity ?? 0} sold`),
  );
  return card;
}

/** A recommendations widget with the shop's card template. */
export function recsWidget(scenario: string, count: number, extra: Record<string, string> = {}): HTMLElement {
  const widget = document.createElement('pocketrank-recs');
  widget.setAttribute('scenario', scenario);
  widget.setAttribute('count', String(count));
  for (const [k, v] of Object.entries(extra)) widget.setAttribute(k, v);
  widget.append((document.getElementById('card-template') as HTMLTemplateElement).cloneNode(true));
  const latency = el('p', 'hint');
  // Say how long the ranking took.
  widget.addEventListener('pocketrank-render', (event) => {
    const { results, latencyMs } = (event as CustomEvent<{ results: unknown[]; latencyMs: number }>).detail;
    latency.textContent = results.length > 0 ? `ranked on this device in ${latencyMs.toFixed(1)} ms` : '';
  });
  const wrap = el('div');
  wrap.append(widget, latency);
  return wrap;
}
