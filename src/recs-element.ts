import type { Recommender } from '../contract/recommender.js';
import { CHANGE_EVENT } from './change-event.js';
import type { Explanation, Recommendation, RecommendQuery, Scenario } from '../contract/types.js';
import { cardFields, cardFromTemplate, fillCard, placeholderCard } from './card-template.js';

/** Options of {@link defineRecsElement}. */
export interface RecsElementOptions {
  /** Custom element name; default `pocketrank-recs`. */
  tagName?: string;
  /** Display name of an item in cards and reasons ("Because you viewed …"); default its catalog title, else its id. */
  label?: (itemId: string) => string;
}

const VERBS: Record<string, string> = { view: 'viewed', add_to_cart: 'added', purchase: 'bought' };

/** A sentence for a reason, e.g. "Because you viewed Rose Oil". */
export function reasonText(reason: Explanation, label?: (itemId: string) => string): string {
  const because = reason.because;
  const item = because ? (label ? label(because.itemId) : (because.title ?? because.itemId)) : '';
  switch (reason.kind) {
    case 'history':
      return item ? `Because you ${VERBS[because!.type] ?? 'viewed'} ${item}` : 'Picked for you';
    case 'similar':
      return `Similar to ${item}`;
    case 'cart':
      return `Goes with ${item}`;
    case 'recent':
      return 'You viewed this recently';
    case 'pinned':
      return 'Featured';
    case 'new':
      return item ? `New · like ${item}` : 'New in the shop';
    default:
      return 'Trending now';
  }
}

/**
 * Defines `<pocketrank-recs scenario="for-you" count="8" item="…" explain>`: a list of
 * recommendations rendered from its `<template>` child, or by the element's `renderItem` property.
 * In the template, an element with `data-pr-text="title"` gets that field as text (`itemId`,
 * `name` (the label: title, else id), `title`, `brand`, `price` (formatted in the page's locale),
 * `category`, `reason`, `score`; an element whose field the item lacks is hidden), and `{field}`
 * in an attribute is replaced by the field (`{itemId}` URL-encoded; `{url}` and `{image}` as the
 * catalog checked them: http(s) only); an attribute naming a field the item lacks is removed.
 * Text goes in as text and attribute values as values: nothing is parsed as HTML. It lays out `count` invisible placeholders first so results
 * arrive without shifting the page, refreshes when the history changes, and records impressions
 * (half visible) and clicks of its items by itself.
 */
export function defineRecsElement(
  recommender: Recommender | Promise<Recommender>,
  options: RecsElementOptions = {},
): void {
  const tagName = options.tagName ?? 'pocketrank-recs';
  if (customElements.get(tagName)) return;
  const label = options.label;

  class PocketrankRecs extends HTMLElement {
    static observedAttributes = ['scenario', 'count', 'item', 'explain', 'exclude', 'experiment'];
    /** Renders one recommendation; overrides the `<template>` child. */
    renderItem: ((rec: Recommendation, reason: string) => Element) | undefined;
    /** What the last refresh showed. */
    results: Recommendation[] = [];
    /** How long the last `recommend()` took, main-thread round trip, in ms. */
    latencyMs = 0;
    private readonly list = document.createElement('div');
    /**
     * Items (with the experiment that served them) whose impression this element recorded: a
     * refresh after every history change re-renders the same list as new cards, and an impression
     * means the shopper saw the item in this row, not how often the row was redrawn.
     */
    private readonly impressed = new Set<string>();
    private observer: IntersectionObserver | undefined;
    private generation = 0;
    private readonly onChange = () => void this.refresh();
    private readonly onClick = (event: Event) => {
      const card = (event.target as Element).closest<HTMLElement>('[data-pocketrank-item]');
      if (card && this.contains(card)) this.track('click', card);
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
            const key = `${card.dataset.pocketrankItem}\u0000${card.dataset.pocketrankExperiment ?? ''}`;
            if (!entry.isIntersecting || this.impressed.has(key)) continue;
            this.impressed.add(key);
            this.observer?.unobserve(card);
            this.track('impression', card);
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
      // Put back on a page later, the row is shown anew.
      this.impressed.clear();
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
      // `experiment="id"`: the experiment whose arm decides this row (default: the first configured).
      const experiment = this.getAttribute('experiment');
      if (experiment) query.experiment = experiment;
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

    private track(type: 'impression' | 'click', card: HTMLElement): void {
      const { pocketrankItem: itemId, pocketrankExperiment: experiment } = card.dataset;
      // With experiments, the experiment that served the card: what the device's counts attribute to.
      const context = { widget: this.getAttribute('scenario') ?? 'for-you', ...(experiment && { experiment }) };
      void Promise.resolve(recommender).then(
        (rec) => rec.track({ type, itemId: itemId!, context }),
        () => undefined,
      );
    }

    private fromTemplate(): Element {
      return cardFromTemplate(this, ['name', 'price', 'reason']);
    }

    private placeholder(): Element {
      return placeholderCard(this.fromTemplate());
    }

    private card(rec: Recommendation): Element {
      const reason = reasonText(rec.reason, label);
      let el: Element;
      if (this.renderItem) el = this.renderItem(rec, reason);
      else {
        el = this.fromTemplate();
        fillCard(el, cardFields(rec, reason, label ?? ((id) => rec.title ?? id)));
      }
      (el as HTMLElement).dataset.pocketrankItem = rec.itemId;
      if (rec.experiment) (el as HTMLElement).dataset.pocketrankExperiment = rec.experiment;
      return el;
    }
  }
  customElements.define(tagName, PocketrankRecs);
}
