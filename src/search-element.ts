import type { Recommender } from '../contract/recommender.js';
import type { SearchHit } from '../contract/search-types.js';
import { cardFields, cardFromTemplate, fillCard } from './card-template.js';
import { reasonText } from './recs-element.js';

/** Options of {@link defineSearchElement}. */
export interface SearchElementOptions {
  /** Custom element name; default `pocketrank-search`. */
  tagName?: string;
  /** Display name of an item in cards and reasons; default its catalog title, else its id. */
  label?: (itemId: string) => string;
}

/** How long typing pauses before the results follow it, in ms. */
const TYPING_PAUSE_MS = 60;

/**
 * Defines `<pocketrank-search count="8" placeholder="Search" explain>`: a search box whose results follow
 * the shopper's typing, searched and ordered for this shopper on the device. Cards render from
 * the element's `<template>` child as `<pocketrank-recs>` cards do (`data-pr-text` fields and
 * `{field}` attributes; `reason` is set when the history moved a result up, naming the history
 * event with `explain`), or by `renderItem`.
 * The query is recorded as a `search` event when the shopper settles on it (Enter, or a click on
 * a result, which is recorded too), not on every keystroke. Fires `pocketrank-results` with
 * `{ query, results, latencyMs }` after each render.
 */
export function defineSearchElement(
  recommender: Recommender | Promise<Recommender>,
  options: SearchElementOptions = {},
): void {
  const tagName = options.tagName ?? 'pocketrank-search';
  if (customElements.get(tagName)) return;
  const label = options.label;

  class PocketrankSearch extends HTMLElement {
    static observedAttributes = ['placeholder', 'count'];
    /** Renders one result; overrides the `<template>` child. */
    renderItem: ((hit: SearchHit, reason: string) => Element) | undefined;
    /** What the last search showed. */
    results: SearchHit[] = [];
    /** The query of those results. */
    query = '';
    /** How long the last `search()` took, main-thread round trip, in ms. */
    latencyMs = 0;
    readonly input = document.createElement('input');
    private readonly list = document.createElement('div');
    private generation = 0;
    private timer: ReturnType<typeof setTimeout> | undefined;
    private recorded = '';

    private get count(): number {
      const n = Number(this.getAttribute('count') ?? 8);
      return Number.isInteger(n) && n >= 1 && n <= 100 ? n : 8;
    }

    connectedCallback(): void {
      if (!this.input.isConnected) {
        this.input.type = 'search';
        this.input.autocomplete = 'off';
        this.input.setAttribute('aria-label', this.getAttribute('placeholder') ?? 'Search');
        this.list.className = 'pocketrank-results';
        this.list.setAttribute('aria-live', 'polite');
        this.append(this.input, this.list);
        this.input.addEventListener('input', () => {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.run(this.input.value), TYPING_PAUSE_MS);
        });
        this.input.addEventListener('keydown', (event) => {
          if (event.key !== 'Enter') return;
          clearTimeout(this.timer);
          void this.run(this.input.value).then((shown) => shown && this.record());
        });
        this.list.addEventListener('click', (event) => {
          const card = (event.target as Element).closest<HTMLElement>('[data-pocketrank-item]');
          if (!card || !this.list.contains(card)) return;
          this.record();
          this.track({ type: 'click', itemId: card.dataset.pocketrankItem!, context: { widget: 'search' } });
        });
      }
      this.input.placeholder = this.getAttribute('placeholder') ?? 'Search';
      if (!this.style.display) this.style.display = 'block';
    }

    attributeChangedCallback(): void {
      this.input.placeholder = this.getAttribute('placeholder') ?? 'Search';
    }

    /**
     * Searches for `query` and renders the results; an empty query clears them. Resolves when they
     * are on screen: true when this query's results are the ones shown.
     */
    async run(query: string): Promise<boolean> {
      const generation = ++this.generation;
      const text = query.trim();
      if (text === '') {
        this.query = '';
        this.results = [];
        this.list.replaceChildren();
        return false;
      }
      try {
        const rec = await recommender;
        const started = performance.now();
        const results = await rec.search(text, { k: this.count, record: false, explain: this.hasAttribute('explain') });
        if (generation !== this.generation) return false; // the shopper typed on
        this.latencyMs = performance.now() - started;
        this.query = text;
        this.results = results;
        this.list.replaceChildren(...results.map((hit) => this.card(hit)));
        this.dispatchEvent(
          new CustomEvent('pocketrank-results', { detail: { query: text, results, latencyMs: this.latencyMs } }),
        );
        return true;
      } catch (error) {
        this.dispatchEvent(new CustomEvent('pocketrank-error', { detail: error }));
        console.error(`[pocketrank] <${tagName}> could not search`, error);
        return false;
      }
    }

    /** Tracks an event once the recommender is there; a failed or closed one records nothing. */
    private track(event: Parameters<Recommender['track']>[0]): void {
      void Promise.resolve(recommender)
        .then((rec) => rec.track(event))
        .catch(() => undefined);
    }

    /** Records the query shown as a search event, once per query. */
    private record(): void {
      const query = this.query;
      if (!query || query === this.recorded) return;
      this.recorded = query;
      this.track({ type: 'search', query });
    }

    private card(hit: SearchHit): Element {
      const reason = hit.reason ? reasonText(hit.reason, label) : '';
      let el: Element;
      if (this.renderItem) el = this.renderItem(hit, reason);
      else {
        el = cardFromTemplate(this, ['name', 'price', 'reason']);
        const fields = cardFields(hit, reason, label ?? ((id) => hit.title ?? id));
        if (!reason) delete fields.reason;
        fillCard(el, fields);
      }
      (el as HTMLElement).dataset.pocketrankItem = hit.itemId;
      return el;
    }
  }
  customElements.define(tagName, PocketrankSearch);
}
