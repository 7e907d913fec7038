// Catalog helpers for the demo shop: the Beauty items have ASINs and anonymous attribute ids,
// so the shop shows the ASIN as the product name and a color swatch derived from it.
import type { CatalogItem } from 'pocketrank';

export const MODEL_URL = new URL('../models/beauty/model.json', location.href).href;

/**
 * What `npm run simulate` measured on Beauty, as the model card reports it: seed 1 without DP,
 * its full-participation DP run at epsilon 8, and the shares pooled over seeds.
 */
export const SIM_RESULT_URL = new URL('../experiments/results/federated.json', location.href).href;
export const SIM_DP_URL = new URL('../experiments/results/federated-dp-rows-full.json', location.href).href;
export const SIM_POOL_URL = new URL('../experiments/results/federated-seeds.json', location.href).href;

/** Product page on amazon.com. */
export const amazonUrl = (asin: string): string => `https://www.amazon.com/dp/${encodeURIComponent(asin)}`;

/** A stable two-color gradient per product, standing in for a photo. */
export function swatch(el: HTMLElement, id: string): void {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  el.style.background = `linear-gradient(135deg, hsl(${h % 360} 55% 70%), hsl(${(h >> 9) % 360} 45% 45%))`;
}

/** Loads the shipped catalog (the model's own catalog.json). */
export async function loadCatalog(): Promise<{ items: CatalogItem[]; byId: Map<string, CatalogItem> }> {
  const items = ((await (await fetch(new URL('catalog.json', MODEL_URL))).json()) as { items: CatalogItem[] }).items;
  return { items, byId: new Map(items.map((i) => [i.id, i])) };
}

/** Brand / category attribute ids of an item, as tags. */
export const tagsOf = (item: CatalogItem | undefined): string[] =>
  (item?.attributes?.tags as string[] | undefined) ?? [];

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
  const sw = el('span', 'swatch', item.id);
  swatch(sw, item.id);
  card.append(
    sw,
    el('span', 'title', `Beauty item ${item.id}`),
    el(
      'span',
      'meta',
      `${tagsOf(item)
        .map((t) => `#${t}`)
        .join(' ')} · ${item.popularity ?? 0} sold`,
    ),
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
  // Color each card once it is rendered, and say how long the ranking took.
  widget.addEventListener('pocketrank-render', (event) => {
    for (const card of widget.querySelectorAll<HTMLElement>('[data-pocketrank-item]'))
      swatch(card.querySelector('.swatch')!, card.dataset.pocketrankItem!);
    const { results, latencyMs } = (event as CustomEvent<{ results: unknown[]; latencyMs: number }>).detail;
    latency.textContent = results.length > 0 ? `ranked on this device in ${latencyMs.toFixed(1)} ms` : '';
  });
  const wrap = el('div');
  wrap.append(widget, latency);
  return wrap;
}
