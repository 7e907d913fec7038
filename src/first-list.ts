import type { ItemDisplay, Recommendation, RecommendQuery } from '../contract/types.js';

/** An item of a first list: an id, its display fields and popularity. */
type Listed = ItemDisplay & { id: string; popularity?: number };

/** A link or image of the list: http(s) only, resolved against the list's URL; else left out. */
function link(value: unknown, base: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The display fields of a raw entry that are well formed; the others are dropped, not trusted. */
function listed(raw: unknown, base: string): Listed | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '' || r.id.length > 256) return undefined;
  const out: Listed = { id: r.id };
  if (typeof r.title === 'string') out.title = r.title;
  if (typeof r.brand === 'string') out.brand = r.brand;
  if (typeof r.category === 'string' || (Array.isArray(r.category) && r.category.every((c) => typeof c === 'string')))
    out.category = r.category as string | string[];
  const price = r.price as { amount?: unknown; currency?: unknown } | undefined;
  // The catalog's own rule: an ISO 4217 code (Intl.NumberFormat throws on anything else).
  if (
    typeof price?.amount === 'number' &&
    Number.isFinite(price.amount) &&
    typeof price.currency === 'string' &&
    /^[A-Z]{3}$/.test(price.currency)
  )
    out.price = { amount: price.amount, currency: price.currency };
  const url = link(r.url, base);
  const image = link(r.image, base);
  if (url) out.url = url;
  if (image) out.image = image;
  if (typeof r.popularity === 'number' && Number.isFinite(r.popularity)) out.popularity = r.popularity;
  return out;
}

/**
 * The first list (`top.json`, written beside the catalog by `npm run train` and `npm run catalog`):
 * the shop's most popular items with their display fields, a few KB. The page serves it as the
 * trending list while the model and the full catalog are still on their way.
 */
export class FirstList {
  private constructor(private readonly items: readonly Listed[]) {}

  /** Fetches and checks a first list; rejects when it cannot be used (the page then waits for the engine). */
  static async load(url: string): Promise<FirstList> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`first list ${url}: HTTP ${response.status}`);
    const body = (await response.json()) as { items?: unknown };
    const items = (Array.isArray(body?.items) ? body.items : []).flatMap((raw) => listed(raw, url) ?? []);
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
      .filter((item) => !excluded.has(item.id))
      .slice(0, query.k)
      .map(({ id, popularity, ...display }) => ({
        itemId: id,
        score: popularity ?? 0,
        reason: { kind: 'trending' as const },
        ...display,
      }));
  }
}
