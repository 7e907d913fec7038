import { fail, parseCatalog } from '../contract/parse-catalog.js';
import type { CatalogItem } from '../contract/types.js';

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
  return parseCatalog(json, source, response.url || source);
}
