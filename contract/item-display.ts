import type { CatalogItem, Explanation, ItemDisplay } from './types.js';

const FIELDS = [
  'title',
  'url',
  'image',
  'price',
  'brand',
  'category',
] as const satisfies readonly (keyof ItemDisplay)[];

/** The fields of a catalog item a page shows; only those the catalog has. */
export function itemDisplay(item: CatalogItem | undefined): ItemDisplay {
  const out: ItemDisplay = {};
  if (!item) return out;
  for (const field of FIELDS) if (item[field] !== undefined) (out as Record<string, unknown>)[field] = item[field];
  return out;
}

/** The reason with its `because` item named by title, when the catalog has one. */
export function titledReason(reason: Explanation, titleOf: (itemId: string) => string | undefined): Explanation {
  if (!reason.because) return reason;
  const title = titleOf(reason.because.itemId);
  return title === undefined ? reason : { ...reason, because: { ...reason.because, title } };
}
