import { itemDisplay } from '../contract/item-display.js';
import { parseCatalog } from '../contract/parse-catalog.js';
import type { CatalogItem, Recommendation, RecommendQuery } from '../contract/types.js';

/**
 * The first list (`top.json`, written beside the catalog by `npm run train` and `npm run catalog`):
 * the shop's most popular items with their display fields, a few KB. The page serves it as the
 * trending list while the model and the full catalog are still on their way.
 */
export class FirstList {
  private constructor(private readonly items: readonly CatalogItem[]) {}

  /** Fetches and checks a first list; rejects when it cannot be used (the page then waits for the engine). */
  static async load(url: string): Promise<FirstList> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`first list ${url}: HTTP ${response.status}`);
    // Checked as the worker checks the catalog (links http(s) only, prices ISO 4217): the page
    // prints these fields into cards before the engine has seen them.
    const items = parseCatalog(await response.json(), url, url);
    if (items.length === 0) throw new Error(`first list ${url}: no items`);
    return new FirstList(items);
  }

  /** True for what it can answer as the engine would a new shopper: trending, or for-you, with no filter, pin or boost. */
  answers(query: RecommendQuery): boolean {
    const scenario = query.scenario ?? 'for-you';
    return (scenario === 'trending' || scenario === 'for-you') && !query.filter && !query.pin?.length && !query.boost;
  }

  /** The first `k` items not excluded, as trending recommendations. */
  recommend(query: RecommendQuery): Recommendation[] {
    const excluded = new Set(query.exclude ?? []);
    return this.items
      .filter((item) => !excluded.has(item.id) && item.inStock !== false)
      .slice(0, query.k)
      .map((item) => ({
        itemId: item.id,
        score: item.popularity ?? 0,
        reason: { kind: 'trending' as const },
        ...itemDisplay(item),
      }));
  }
}
