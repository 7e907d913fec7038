import { PocketrankError } from './pocketrank-error.js';
import type { CatalogItem, Price } from './types.js';

const MAX_TEXT = 1000;
const MAX_URL = 2048;
const MAX_CATEGORY_DEPTH = 16;

/** Throws `catalog_load_failed` naming the catalog and what is wrong with it. */
export function fail(source: string, why: string): never {
  throw new PocketrankError('catalog_load_failed', `catalog ${source}: ${why}`);
}

/** A display string: text, bounded, nothing else. */
function text(value: unknown, what: () => string, source: string): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT)
    fail(source, `${what()} must be a string of at most ${MAX_TEXT} characters`);
  return value;
}

/**
 * A link or image: http(s), or relative to the catalog's URL (resolved here, so the page gets
 * absolute URLs). Anything else (`javascript:`, `data:`) would run or embed what a shop never meant.
 */
function link(value: unknown, what: () => string, source: string, base: string | undefined): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_URL)
    fail(source, `${what()} must be a URL of at most ${MAX_URL} characters`);
  let url: URL;
  try {
    url = new URL(value, base ?? 'https://relative.invalid/');
  } catch {
    fail(source, `${what()} is not a valid URL: ${JSON.stringify(value.slice(0, 80))}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail(source, `${what()} must be http(s) or relative; got ${url.protocol}`);
  return base || url.host !== 'relative.invalid' ? url.href : value;
}

function price(value: unknown, what: () => string, source: string): Price {
  const { amount, currency } = (value ?? {}) as Partial<Price>;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0)
    fail(source, `${what()}.amount must be a non-negative number`);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
    fail(source, `${what()}.currency must be an ISO 4217 code such as "EUR"`);
  return { amount, currency };
}

function category(value: unknown, what: () => string, source: string): string | string[] {
  if (typeof value === 'string') return text(value, what, source);
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CATEGORY_DEPTH)
    fail(source, `${what()} must be a string or a path of 1 to ${MAX_CATEGORY_DEPTH} strings`);
  return value.map((part, i) => text(part, () => `${what()}[${i}]`, source));
}

/**
 * Checks catalog items; accepts `CatalogItem[]` or `{ items: CatalogItem[] }`. Every failure names
 * the item and the field. Fields pocketrank does not know are kept as they are.
 * @param base URL the catalog came from: relative `url` and `image` fields resolve against it
 */
export function parseCatalog(raw: unknown, source: string, base?: string): CatalogItem[] {
  const items = Array.isArray(raw) ? raw : (raw as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) fail(source, 'expected an array of items or { items: [...] }');
  const seen = new Set<string>();
  return items.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(source, `item ${i} is not an object`);
    const item = { ...(entry as Record<string, unknown>) } as CatalogItem & Record<string, unknown>;
    const { id } = item;
    if (typeof id !== 'string' || id === '') fail(source, `item ${i} has no string id`);
    if (seen.has(id)) fail(source, `item id "${id}" appears twice`);
    seen.add(id);
    const field = (name: string) => () => `item "${id}" field ${name}`;
    if (item.attributes !== undefined && (typeof item.attributes !== 'object' || item.attributes === null))
      fail(source, `${field('attributes')()} must be an object`);
    if (item.inStock !== undefined && typeof item.inStock !== 'boolean')
      fail(source, `${field('inStock')()} must be a boolean`);
    if (item.popularity !== undefined && !(typeof item.popularity === 'number' && Number.isFinite(item.popularity)))
      fail(source, `${field('popularity')()} must be a number`);
    if (item.title !== undefined) item.title = text(item.title, field('title'), source);
    if (item.brand !== undefined) item.brand = text(item.brand, field('brand'), source);
    if (item.url !== undefined) item.url = link(item.url, field('url'), source, base);
    if (item.image !== undefined) item.image = link(item.image, field('image'), source, base);
    if (item.price !== undefined) item.price = price(item.price, field('price'), source);
    if (item.category !== undefined) item.category = category(item.category, field('category'), source);
    return item;
  });
}
