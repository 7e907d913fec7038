import type { Explanation, ItemDisplay, RecommendQuery } from './types.js';

/** Options of `search()`. */
export interface SearchOptions {
  /** How many hits to return, 1 to 100; default 10. */
  k?: number;
  /** Keep only items whose attributes match every key (array values match any element). */
  filter?: RecommendQuery['filter'];
  /** Blend in the shopper's history (default true); false orders by relevance and popularity only. */
  personalize?: boolean;
  /** Name, for each hit the history moved up, the history event that raised it (one batched encoder pass, as `recommend({ explain })`). */
  explain?: boolean;
  /**
   * Record a `search` event with the query on this device (default true). A search box passes
   * false while the shopper is still typing, and records the query they settle on.
   */
  record?: boolean;
}

/** One search result, with its item's display fields from the catalog. */
export interface SearchHit extends ItemDisplay {
  itemId: string;
  /** Blended score (higher is better); comparable only within one call. */
  score: number;
  /** Catalog words that matched the query (typos corrected, the last word completed), by field: `title`, `brand`, `category`, `attributes`. */
  match: Record<string, string[]>;
  /** Set when the shopper's history moved the item up (`kind: 'history'`; with `explain`, `because` names the event that raised it most). */
  reason?: Explanation;
}

/** Options of `rerank()`. */
export interface RerankOptions {
  /** Name the history event behind each moved id, as in `search()`. */
  explain?: boolean;
  /** The query the shop's results answer: recorded as a `search` event on this device (unless `record` is false). */
  query?: string;
  /** Record the query as a `search` event; default true. */
  record?: boolean;
  /**
   * The experiment this list belongs to (`options.experiments`; none unless named: the list is
   * the shop's own). On a device in an arm with a `scenario` (a control arm) the shop's order
   * is kept; other arms get it re-ranked. Each result then carries the experiment's id.
   */
  experiment?: string;
}

/** One id of a `rerank()` result. */
export interface RerankedItem extends ItemDisplay {
  itemId: string;
  /** Blended score; null for an id the catalog does not have (kept, after the others, in the order given). */
  score: number | null;
  /** Set when the shopper's history moved the item up. */
  reason?: Explanation;
  /** The experiment the list belongs to, when `rerank()` named one. */
  experiment?: string;
}
