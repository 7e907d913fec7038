import { PocketrankError } from '../contract/pocketrank-error.js';
import type { CatalogItem } from '../contract/types.js';

function fail(source: string, why: string): never {
  throw new PocketrankError('catalog_load_failed', `catalog ${source}: ${why}`);
}

/** Checks catalog items; accepts `CatalogItem[]` or `{ items: CatalogItem[] }`. */
export function parseCatalog(raw: unknown, source: string): CatalogItem[] {
  const items = Array.isArray(raw) ? raw : (raw as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) fail(source, 'expected an array of items or { items: [...] }');
  const seen = new Set<string>();
  return items.map((item: unknown, i) => {
    const { id, attributes, inStock, popularity } = (item ?? {}) as Partial<CatalogItem>;
    if (typeof id !== 'string' || id === '') fail(source, `item ${i} has no string id`);
    if (seen.has(id)) fail(source, `item id "${id}" appears twice`);
    seen.add(id);
    if (attributes !== undefined && (typeof attributes !== 'object' || attributes === null))
      fail(source, `item "${id}" has invalid attributes`);
    if (inStock !== undefined && typeof inStock !== 'boolean') fail(source, `item "${id}" has a non-boolean inStock`);
    if (popularity !== undefined && !(typeof popularity === 'number' && Number.isFinite(popularity)))
      fail(source, `item "${id}" has a non-numeric popularity`);
    return {
      id,
      ...(attributes !== undefined && { attributes }),
      ...(inStock !== undefined && { inStock }),
      ...(popularity !== undefined && { popularity }),
    };
  });
}

/** Fetches and parses a catalog URL, or checks an inline catalog. */
export async function loadCatalog(source: CatalogItem[] | string): Promise<CatalogItem[]> {
  if (Array.isArray(source)) return parseCatalog(source, '(inline)');
  let response: Response;
  try {
    response = await fetch(source);
  } catch (error) {
    fail(source, `request failed (${String(error)})`);
  }
  if (!response.ok) fail(source, `HTTP ${response.status}`);
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    fail(source, 'is not valid JSON');
  }
  return parseCatalog(json, source);
}
