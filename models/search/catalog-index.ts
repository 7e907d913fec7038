import MiniSearch, { type SearchResult } from 'minisearch';
import type { ItemContent } from '../content/content-features.js';

/** An item as the index reads it: its id and text. */
export type SearchableItem = ItemContent & { id: string };

/** One lexical match: the item, its BM25 score, and which query words matched in which fields. */
export interface LexicalMatch {
  id: string;
  score: number;
  /** Catalog words that matched (after typo tolerance and prefix completion), with the fields they are in. */
  fields: Record<string, string[]>;
}

/** Fields searched: what a shopper types names a product, its brand, its category or a worded attribute. */
const FIELDS = ['title', 'brand', 'category', 'attributes'] as const;

/** Most matches one query returns: a search box shows the first few; personalization re-orders these. */
export const MAX_MATCHES = 1000;

/** Lowercase, accents folded: "Crème" and "creme" are one word. */
const fold = (term: string) => term.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Attribute values worth searching: words, not ids ("red", not "173"). */
function wordedAttributes(item: SearchableItem): string {
  const out: string[] = [];
  for (const value of Object.values(item.attributes ?? {}))
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && /\p{L}/u.test(v)) out.push(v);
  return out.join(' ');
}

/**
 * Full-text index of a catalog, built in the worker (MiniSearch: the smallest index and bundle of
 * the browser libraries measured, and the best typo recall; docs/search.md). Words match
 * exactly, with typos (round(0.2 x length) edits for words of 4 letters or more: one for 4 to 7
 * letters, two for 8 to 12) and, for the last word typed, as a prefix;
 * every word must match unless none would, then any may.
 */
export class CatalogIndex {
  private readonly index = new MiniSearch<SearchableItem>({
    fields: [...FIELDS],
    storeFields: [],
    extractField: (item, field) => {
      if (field === 'id') return item.id;
      if (field === 'attributes') return wordedAttributes(item);
      if (field === 'category') return [item.category ?? []].flat().join(' ');
      const value = item[field as 'title' | 'brand'];
      return typeof value === 'string' ? value : '';
    },
    processTerm: (term) => fold(term) || null,
    searchOptions: {
      fuzzy: (term) => (term.length >= 4 ? 0.2 : false),
      prefix: (_term, i, terms) => i === terms.length - 1,
    },
  });

  constructor(items: Iterable<SearchableItem> = []) {
    this.index.addAll([...items]);
  }

  /**
   * Builds the index in chunks, yielding to the event loop between them: in a worker, calls that
   * arrive meanwhile (a first list) wait one chunk, not the whole build.
   */
  static async build(items: readonly SearchableItem[], chunkSize = 500): Promise<CatalogIndex> {
    const index = new CatalogIndex();
    await index.index.addAllAsync([...items], { chunkSize });
    return index;
  }

  /** Items indexed. */
  get size(): number {
    return this.index.documentCount;
  }

  /** Adds items, replacing those with the same id. */
  upsert(items: Iterable<SearchableItem>): void {
    for (const item of items) {
      if (this.index.has(item.id)) this.index.replace(item);
      else this.index.add(item);
    }
  }

  /**
   * The items matching `query`, best first (at most `limit`, up to MAX_MATCHES); with `keep`,
   * only the items it accepts, chosen before the cap.
   */
  match(query: string, limit = MAX_MATCHES, keep?: (id: string) => boolean): LexicalMatch[] {
    const filter = keep && ((result: SearchResult) => keep(String(result.id)));
    let hits: SearchResult[] = this.index.search(query, { combineWith: 'AND', ...(filter && { filter }) });
    if (hits.length === 0) hits = this.index.search(query, { combineWith: 'OR', ...(filter && { filter }) });
    return hits.slice(0, Math.min(limit, MAX_MATCHES)).map((hit) => {
      const fields: Record<string, string[]> = {};
      for (const [term, where] of Object.entries(hit.match))
        for (const field of where) (fields[field] ??= []).push(term);
      return { id: String(hit.id), score: hit.score, fields };
    });
  }
}
