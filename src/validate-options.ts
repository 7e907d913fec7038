import { PocketrankError } from '../contract/pocketrank-error.js';
import type {
  AttributeValue,
  BackendPreference,
  RecommenderOptions,
  RecommendQuery,
  Scenario,
} from '../contract/types.js';
import type { EngineInit, FederationSettings } from '../contract/worker-protocol.js';

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
export function validateOptions(
  options: RecommenderOptions,
): Omit<EngineInit, 'replay' | 'experiments'> & { federation?: FederationSettings; firstList?: string } {
  if (typeof options !== 'object' || options === null) bad('createRecommender needs an options object');
  if (options.model === undefined || options.model === '') bad('options.model (URL of model.json) is required');
  const modelUrl = absoluteUrl(options.model, 'options.model');
  const backend = options.backend ?? 'auto';
  if (!BACKENDS.includes(backend))
    bad(`options.backend must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(backend)}`);
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
  const consent = options.consent ?? 'granted';
  if (consent !== 'granted' && consent !== 'denied')
    bad(`options.consent must be 'granted' or 'denied'; got ${JSON.stringify(consent)}`);
  const { maxAgeDays = 180, maxEvents = 5000 } = options.retention ?? {};
  if (!(maxAgeDays > 0)) bad('options.retention.maxAgeDays must be a positive number of days');
  if (!(Number.isInteger(maxEvents) && maxEvents >= 1)) bad('options.retention.maxEvents must be a positive integer');
  const base = {
    modelUrl,
    catalog,
    backend,
    dbName,
    wasmPaths,
    consent,
    retention: { maxAgeMs: maxAgeDays * 86_400_000, maxEvents },
    ...(options.firstList !== undefined && { firstList: absoluteUrl(options.firstList, 'options.firstList') }),
  } as const;
  if (options.federation === undefined) return base;
  const minNewEvents = options.federation.minNewEvents ?? 5;
  if (!Number.isInteger(minNewEvents) || minNewEvents < 0)
    bad('options.federation.minNewEvents must be a non-negative integer');
  return {
    ...base,
    federation: {
      server: absoluteUrl(options.federation.server, 'options.federation.server'),
      minNewEvents,
      ...(options.federation.ticketUrl !== undefined && {
        ticketUrl: absoluteUrl(options.federation.ticketUrl, 'options.federation.ticketUrl'),
      }),
    },
  };
}

function isAttributeValue(value: unknown): value is AttributeValue {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

/** Scenarios `recommend()` accepts. */
export const SCENARIOS: readonly Scenario[] = ['for-you', 'similar', 'bought-together', 'recently-viewed', 'trending'];

/** Ids an `exclude` or `pin` list, or a `boost` object, may hold: checked before any work on them. */
const MAX_IDS = 1000;
/** Keys of a filter, and values one filter key may list. */
const MAX_FILTER_KEYS = 32;
const MAX_FILTER_VALUES = 100;
const MAX_ID_LENGTH = 256;

const idList = (value: unknown, what: string): string[] => {
  if (!Array.isArray(value)) bad(`${what} must be an array of item ids`);
  if (value.length > MAX_IDS) bad(`${what} has ${value.length} ids; at most ${MAX_IDS} are allowed`);
  if (value.some((id) => typeof id !== 'string' || id.length > MAX_ID_LENGTH))
    bad(`${what} must be an array of item ids (strings of at most ${MAX_ID_LENGTH} characters)`);
  return [...(value as string[])];
};

/** The own keys of a plain object, refused past `max` before anything else is done with them. */
const boundedKeys = (value: object, max: number, what: string): string[] => {
  const keys = Object.keys(value);
  if (keys.length > max) bad(`${what} has ${keys.length} keys; at most ${max} are allowed`);
  return keys;
};

/** Checks a `recommend()` query; returns a structured-clone-safe copy. */
export function validateQuery(query: RecommendQuery): RecommendQuery {
  if (typeof query !== 'object' || query === null) bad('recommend needs a query object such as { k: 10 }');
  const { k, scenario = 'for-you', item, exclude, filter, pin, boost } = query;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) bad(`k must be an integer from 1 to ${MAX_K}; got ${String(k)}`);
  if (!SCENARIOS.includes(scenario))
    bad(`scenario must be one of ${SCENARIOS.join(', ')}; got ${JSON.stringify(scenario)}`);
  if (item !== undefined && (typeof item !== 'string' || item === '' || item.length > MAX_ID_LENGTH))
    bad(`item must be a non-empty item id of at most ${MAX_ID_LENGTH} characters`);
  if (scenario === 'similar' && item === undefined) bad('the similar scenario needs an item');
  const out: RecommendQuery = {
    k,
    scenario,
    explain: query.explain === true,
    includePurchased: query.includePurchased === true,
    // Recently viewed is the history itself: a viewed item put in the cart was still viewed.
    includeInCart: query.includeInCart === undefined ? scenario === 'recently-viewed' : query.includeInCart === true,
  };
  if (query.includeSeen !== undefined) out.includeSeen = query.includeSeen === true;
  if (query.diversity !== undefined) {
    if (typeof query.diversity !== 'number' || !(query.diversity >= 0 && query.diversity <= 1))
      bad(`diversity must be a number from 0 (pure relevance) to 1; got ${String(query.diversity)}`);
    out.diversity = query.diversity;
  }
  if (item !== undefined) out.item = item;
  if (exclude !== undefined) out.exclude = idList(exclude, 'exclude');
  if (pin !== undefined) out.pin = idList(pin, 'pin');
  if (boost !== undefined) {
    if (typeof boost !== 'object' || boost === null || Array.isArray(boost))
      bad('boost must be an object of item id -> number');
    for (const id of boundedKeys(boost, MAX_IDS, 'boost')) {
      const amount = (boost as Record<string, unknown>)[id];
      if (typeof amount !== 'number' || !Number.isFinite(amount)) bad(`boost.${id} must be a finite number`);
    }
    out.boost = { ...boost };
  }
  if (filter !== undefined) out.filter = validateFilter(filter);
  return out;
}

/** Checks a `filter` (of recommend() or search()); returns a copy. */
export function validateFilter(filter: unknown): NonNullable<RecommendQuery['filter']> {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    bad('filter must be an object of attribute values');
  const copy: NonNullable<RecommendQuery['filter']> = {};
  for (const key of boundedKeys(filter, MAX_FILTER_KEYS, 'filter')) {
    const value = (filter as Record<string, unknown>)[key];
    if (Array.isArray(value) && value.length > MAX_FILTER_VALUES)
      bad(`filter.${key} lists ${value.length} values; at most ${MAX_FILTER_VALUES} are allowed`);
    const ok = Array.isArray(value) ? value.length > 0 && value.every(isAttributeValue) : isAttributeValue(value);
    if (!ok) bad(`filter.${key} must be a string, number or boolean, or a non-empty array of them`);
    copy[key] = Array.isArray(value) ? [...(value as AttributeValue[])] : (value as AttributeValue);
  }
  return copy;
}

/** Checks an id list (of rerank()): an array of at most 1,000 item ids. */
export function validateIdList(value: unknown, what: string): string[] {
  return idList(value, what);
}
