import type { AttributeValue, CatalogItem, RecommendQuery } from '../contract/types.js';

/** Added to the score of a row that must not be returned; far below any real score, still finite on every backend. */
export const BLOCKED = Math.fround(-1e30); // float32-exact, so it compares equal after a round trip through a Float32Array

/** True when a bias value means "never return this row". */
export const isBlocked = (bias: number): boolean => bias <= BLOCKED / 2;

/** True when `value` (scalar or list) shares an element with `wanted` (scalar or list). */
function attributeMatches(
  value: AttributeValue | AttributeValue[] | undefined,
  wanted: AttributeValue | AttributeValue[],
): boolean {
  if (value === undefined) return false;
  const have = Array.isArray(value) ? value : [value];
  const want = Array.isArray(wanted) ? wanted : [wanted];
  return have.some((v) => want.includes(v));
}

/** True when the item satisfies every key of the filter. */
export function matchesFilter(item: CatalogItem, filter: NonNullable<RecommendQuery['filter']>): boolean {
  return Object.entries(filter).every(([key, wanted]) => attributeMatches(item.attributes?.[key], wanted));
}

/** Maps catalog items to table rows; items outside the model's vocabulary are left out. */
export function indexCatalog(
  itemIds: readonly string[],
  catalog: readonly CatalogItem[],
): { rowOf: Map<string, number>; items: Map<number, CatalogItem> } {
  const rowOf = new Map<string, number>();
  itemIds.forEach((id, i) => rowOf.set(id, i + 1));
  const items = new Map<number, CatalogItem>();
  for (const item of catalog) {
    const row = rowOf.get(item.id);
    if (row !== undefined) items.set(row, item);
  }
  return { rowOf, items };
}

/** Score bias for every table row: 0 for sellable in-stock items, BLOCKED for padding, unknown and out-of-stock items. */
export function baseBias(vocabSize: number, items: ReadonlyMap<number, CatalogItem>): Float32Array {
  const bias = new Float32Array(vocabSize).fill(BLOCKED);
  for (const [row, item] of items) if (item.inStock !== false) bias[row] = 0;
  return bias;
}

/** Rows the shopper's own state removes from a query, each unless the query includes it. */
export interface ShopperRows {
  seen: readonly number[];
  cart: readonly number[];
  purchased: readonly number[];
  /** The anchor items of `similar` / `bought-together`: never recommended to themselves. */
  anchors: readonly number[];
}

/** Per-query bias: the base bias with the business rules applied (exclusions, filter, boosts). Returns a new array. */
export function queryBias(
  base: Float32Array,
  query: RecommendQuery,
  rowOf: ReadonlyMap<string, number>,
  items: ReadonlyMap<number, CatalogItem>,
  shopper: ShopperRows,
): Float32Array {
  const bias = base.slice();
  const block = (rows: Iterable<number>) => {
    for (const row of rows) bias[row] = BLOCKED;
  };
  block((query.exclude ?? []).flatMap((id) => rowOf.get(id) ?? []));
  const seenDefault = (query.scenario ?? 'for-you') !== 'for-you';
  if (!(query.includeSeen ?? seenDefault)) block(shopper.seen);
  if (!query.includeInCart) block(shopper.cart);
  if (!query.includePurchased) block(shopper.purchased);
  block(shopper.anchors);
  if (query.filter) {
    for (const [row, item] of items) if (!matchesFilter(item, query.filter)) bias[row] = BLOCKED;
  }
  for (const [id, amount] of Object.entries(query.boost ?? {})) {
    const row = rowOf.get(id);
    if (row !== undefined && !isBlocked(bias[row]!)) bias[row]! += amount;
  }
  return bias;
}

/** Left-pads the newest `maxLen` known rows of a history into the model's input layout. */
export function encodeHistory(
  history: readonly string[],
  rowOf: ReadonlyMap<string, number>,
  maxLen: number,
): { input: Int32Array; rows: number[] } {
  const rows: number[] = [];
  for (const id of history) {
    const row = rowOf.get(id);
    if (row !== undefined) rows.push(row);
  }
  const kept = rows.slice(-maxLen);
  const input = new Int32Array(maxLen);
  input.set(kept, maxLen - kept.length);
  return { input, rows: kept };
}
