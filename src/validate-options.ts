import { PocketrankError } from './pocketrank-error.js';
import type { AttributeValue, BackendPreference, RecommenderOptions, RecommendQuery } from './types.js';
import type { EngineInit } from './worker-protocol.js';

const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];
const MAX_K = 1000;

function bad(message: string): never {
  throw new PocketrankError('invalid_argument', message);
}

function absoluteUrl(value: string | URL, what: string): string {
  try {
    return new URL(String(value), typeof location !== 'undefined' ? location.href : undefined).href;
  } catch {
    return bad(`${what} is not a valid URL: ${String(value)}`);
  }
}

/** Checks `createRecommender` options and resolves every URL against the page. */
export function validateOptions(options: RecommenderOptions): EngineInit & { federation?: { server: string; minNewEvents: number } } {
  if (typeof options !== 'object' || options === null) bad('createRecommender needs an options object');
  if (options.model === undefined || options.model === '') bad('options.model (URL of model.json) is required');
  const modelUrl = absoluteUrl(options.model, 'options.model');
  const backend = options.backend ?? 'auto';
  if (!BACKENDS.includes(backend)) bad(`options.backend must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(backend)}`);
  const dbName = options.dbName ?? 'pocketrank';
  if (typeof dbName !== 'string' || dbName === '') bad('options.dbName must be a non-empty string');
  if (options.flushIntervalMs !== undefined && !(options.flushIntervalMs >= 0 && options.flushIntervalMs <= 60_000)) {
    bad('options.flushIntervalMs must be between 0 and 60000');
  }
  let catalog: EngineInit['catalog'];
  if (Array.isArray(options.catalog)) {
    for (const item of options.catalog) {
      if (typeof item?.id !== 'string' || item.id === '') bad('every catalog item needs a non-empty string id');
    }
    catalog = options.catalog;
  } else {
    catalog = absoluteUrl(options.catalog ?? new URL('catalog.json', modelUrl), 'options.catalog');
  }
  const wasmPaths = options.wasmPaths === undefined ? '' : absoluteUrl(options.wasmPaths, 'options.wasmPaths');
  if (options.federation === undefined) return { modelUrl, catalog, backend, dbName, wasmPaths };
  const minNewEvents = options.federation.minNewEvents ?? 5;
  if (!Number.isInteger(minNewEvents) || minNewEvents < 0) bad('options.federation.minNewEvents must be a non-negative integer');
  return { modelUrl, catalog, backend, dbName, wasmPaths, federation: { server: absoluteUrl(options.federation.server, 'options.federation.server'), minNewEvents } };
}

function isAttributeValue(value: unknown): value is AttributeValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** Checks a `recommend()` query; returns a structured-clone-safe copy. */
export function validateQuery(query: RecommendQuery): RecommendQuery {
  if (typeof query !== 'object' || query === null) bad('recommend needs a query object such as { k: 10 }');
  const { k, exclude, filter, includeSeen } = query;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) bad(`k must be an integer from 1 to ${MAX_K}; got ${String(k)}`);
  const out: RecommendQuery = { k, includeSeen: includeSeen === true };
  if (exclude !== undefined) {
    if (!Array.isArray(exclude) || exclude.some((id) => typeof id !== 'string')) bad('exclude must be an array of item ids');
    out.exclude = [...exclude];
  }
  if (filter !== undefined) {
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) bad('filter must be an object of attribute values');
    const copy: NonNullable<RecommendQuery['filter']> = {};
    for (const [key, value] of Object.entries(filter)) {
      const ok = Array.isArray(value) ? value.length > 0 && value.every(isAttributeValue) : isAttributeValue(value);
      if (!ok) bad(`filter.${key} must be a string, number or boolean, or a non-empty array of them`);
      copy[key] = Array.isArray(value) ? [...value] : value;
    }
    out.filter = copy;
  }
  return out;
}
