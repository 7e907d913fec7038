/** File name of the first list, beside catalog.json. */
export const FIRST_LIST_FILE = 'top.json';

/** Items a first list holds: enough for a few widgets' cold-start rows, a few KB. */
export const FIRST_LIST_SIZE = 48;

/** Fields of a catalog item a first-list card shows (`sourceId` and attribute tags stay out). */
const KEPT = ['id', 'title', 'url', 'image', 'price', 'brand', 'category', 'popularity'] as const;

/**
 * The first list: the catalog's most popular in-stock items with their display fields, in order.
 * The page serves it before the model and the full catalog arrive (`firstList` option), as the
 * trending list the engine would serve a new shopper.
 */
export function firstList<T extends { id: string; popularity?: number; inStock?: boolean }>(
  catalog: readonly T[],
  size = FIRST_LIST_SIZE,
): { items: Partial<T>[] } {
  const top = catalog
    .filter((item) => item.inStock !== false)
    .map((item, i) => ({ item, i }))
    // Stable, as the engine's trending order is: the catalog's order breaks ties.
    .sort((a, b) => (b.item.popularity ?? 0) - (a.item.popularity ?? 0) || a.i - b.i)
    .slice(0, size);
  return {
    items: top.map(({ item }) => {
      const out: Record<string, unknown> = {};
      for (const key of KEPT) if (item[key as keyof T] !== undefined) out[key] = item[key as keyof T];
      return out as Partial<T>;
    }),
  };
}
