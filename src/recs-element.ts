import type { Recommender } from '../contract/recommender.js';
import { CHANGE_EVENT } from './change-event.js';
import type { Explanation, Recommendation, RecommendQuery, Scenario } from '../contract/types.js';

/** Options of {@link defineRecsElement}. */
export interface RecsElementOptions {
  /** Custom element name; default `pocketrank-recs`. */
  tagName?: string;
  /** Display name of an item in reasons ("Because you viewed …"); default the item id. */
  label?: (itemId: string) => string;
}

const VERBS: Record<string, string> = { view: 'viewed', add_to_cart: 'added', purchase: 'bought' };

/** A sentence for a reason, e.g. "Because you viewed Rose Oil". */
export function reasonText(reason: Explanation, label: (itemId: string) => string = (id) => id): string {
  const item = reason.because ? label(reason.because.itemId) : '';
  switch (reason.kind) {
    case 'history':
      return item ? `Because you ${VERBS[reason.because!.type] ?? 'viewed'} ${item}` : 'Picked for you';
    case 'similar':
      return `Similar to ${item}`;
    case 'cart':
      return `Goes with ${item}`;
    case 'recent':
      return 'You viewed this recently';
    case 'pinned':
      return 'Featured';
    default:
      return 'Trending now';
  }
}

/**
 * Defines `<pocketrank-recs scenario="for-you" count="8" item="…" explain>`: a list of
 * recommendations rendered from its `<template>` child (elements with `data-pr-text="itemId|reason|score"`
 * get that text; `{itemId}` in any attribute is replaced by the URL-encoded id), or by the
 * element's `renderItem` property. It lays out `count` invisible placeholders first so results
 * arrive without shifting the page, refreshes when the history changes, and records impressions
 * (half visible) and clicks of its items by itself.
 */
export function defineRecsElement(
  recommender: Recommender | Promise<Recommender>,
  options: RecsElementOptions = {},
): void {
  const tagName = options.tagName ?? 'pocketrank-recs';
  if (customElements.get(tagName)) return;
  const label = options.label ?? ((id: string) => id);

  class PocketrankRecs extends HTMLElement {
    static observedAttributes = ['scenario', 'count', 'item', 'explain', 'exclude'];
    /** Renders one recommendation; overrides the `<template>` child. */
    renderItem: ((rec: Recommendation, reason: string) => Element) | undefined;
    /** What the last refresh showed. */
    results: Recommendation[] = [];
    /** How long the last `recommend()` took, main-thread round trip, in ms. */
    latencyMs = 0;
    private readonly list = document.createElement('div');
    private readonly seen = new WeakSet<Element>();
    private observer: IntersectionObserver | undefined;
    private generation = 0;
    private readonly onChange = () => void this.refresh();
    private readonly onClick = (event: Event) => {
      const card = (event.target as Element).closest<HTMLElement>('[data-pocketrank-item]');
      if (card && this.contains(card)) this.track('click', card.dataset.pocketrankItem!);
    };

    private get count(): number {
      const n = Number(this.getAttribute('count') ?? 4);
      return Number.isInteger(n) && n >= 1 && n <= 100 ? n : 4;
    }

    connectedCallback(): void {
      this.list.className = 'pocketrank-items';
      if (!this.list.isConnected) this.append(this.list);
      if (!this.style.display) this.style.display = 'block';
      this.list.replaceChildren(...Array.from({ length: this.count }, () => this.placeholder()));
      this.observer = new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            const card = entry.target as HTMLElement;
            if (!entry.isIntersecting || this.seen.has(card)) continue;
            this.seen.add(card);
            this.track('impression', card.dataset.pocketrankItem!);
          }
        },
        { threshold: 0.5 },
      );
      this.addEventListener('click', this.onClick);
      window.addEventListener(CHANGE_EVENT, this.onChange);
      void this.refresh();
    }

    disconnectedCallback(): void {
      this.observer?.disconnect();
      this.removeEventListener('click', this.onClick);
      window.removeEventListener(CHANGE_EVENT, this.onChange);
    }

    attributeChangedCallback(): void {
      if (this.isConnected) void this.refresh();
    }

    /** Asks for fresh recommendations and renders them. Resolves when they are on screen. */
    async refresh(): Promise<void> {
      const generation = ++this.generation;
      const query: RecommendQuery = {
        k: this.count,
        scenario: (this.getAttribute('scenario') ?? 'for-you') as Scenario,
        explain: this.hasAttribute('explain'),
      };
      const item = this.getAttribute('item');
      if (item) query.item = item;
      // `exclude="id,id"`: what another row of the page already shows, so rows do not repeat each other.
      const exclude = this.getAttribute('exclude');
      if (exclude)
        query.exclude = exclude
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean);
      try {
        const rec = await recommender;
        const started = performance.now();
        const results = await rec.recommend(query);
        if (generation !== this.generation) return; // a newer refresh owns the element
        this.latencyMs = performance.now() - started;
        this.results = results;
        const cards = results.map((r) => this.card(r));
        this.list.replaceChildren(
          ...cards,
          ...Array.from({ length: this.count - cards.length }, () => this.placeholder()),
        );
        for (const card of cards) this.observer?.observe(card);
        this.dispatchEvent(new CustomEvent('pocketrank-render', { detail: { results, latencyMs: this.latencyMs } }));
      } catch (error) {
        this.dispatchEvent(new CustomEvent('pocketrank-error', { detail: error }));
        console.error(`[pocketrank] <${tagName}> could not load recommendations`, error);
      }
    }

    private track(type: 'impression' | 'click', itemId: string): void {
      void Promise.resolve(recommender).then(
        (rec) => rec.track({ type, itemId, context: { widget: this.getAttribute('scenario') ?? 'for-you' } }),
        () => undefined,
      );
    }

    private fromTemplate(): Element {
      const template = this.querySelector(':scope > template');
      const root = template instanceof HTMLTemplateElement ? template.content.firstElementChild : null;
      if (root) return root.cloneNode(true) as Element;
      const card = Object.assign(document.createElement('div'), { className: 'pocketrank-item' });
      for (const field of ['itemId', 'reason'])
        card.append(Object.assign(document.createElement('div'), { className: `pocketrank-${field}` }));
      card.children[0]!.setAttribute('data-pr-text', 'itemId');
      card.children[1]!.setAttribute('data-pr-text', 'reason');
      return card;
    }

    private placeholder(): Element {
      const el = this.fromTemplate();
      // Unfilled `{field}` attributes (an image's src, a link) would be fetched or followed as they are.
      for (const node of [el, ...el.querySelectorAll('*')])
        for (const attr of [...node.attributes]) if (attr.value.includes('{')) node.removeAttribute(attr.name);
      el.setAttribute('aria-hidden', 'true');
      (el as HTMLElement).style.visibility = 'hidden';
      return el;
    }

    private card(rec: Recommendation): Element {
      const reason = reasonText(rec.reason, label);
      let el: Element;
      if (this.renderItem) el = this.renderItem(rec, reason);
      else {
        el = this.fromTemplate();
        const fields: Record<string, string> = { itemId: label(rec.itemId), reason, score: rec.score.toFixed(3) };
        for (const node of [el, ...el.querySelectorAll('*')]) {
          const field = node.getAttribute('data-pr-text');
          if (field) node.textContent = fields[field] ?? '';
          for (const attr of node.attributes)
            if (attr.value.includes('{itemId}'))
              attr.value = attr.value.replaceAll('{itemId}', encodeURIComponent(rec.itemId));
        }
      }
      (el as HTMLElement).dataset.pocketrankItem = rec.itemId;
      return el;
    }
  }
  customElements.define(tagName, PocketrankRecs);
}
