import { MAX_QUERY_LENGTH } from '../contract/event-schema.js';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { RerankOptions, SearchOptions } from '../contract/search-types.js';
import { validateFilter, validateIdList } from './validate-options.js';

/** Most hits one `search()` returns. */
export const MAX_SEARCH_K = 100;

function bad(message: string): never {
  throw new PocketrankError('invalid_argument', message);
}

/** Checks a query: a non-empty string of at most MAX_QUERY_LENGTH characters. Returns it trimmed. */
export function validateSearchQuery(query: unknown): string {
  if (typeof query !== 'string') bad(`the query must be a string; got ${query === null ? 'null' : typeof query}`);
  const trimmed = query.trim();
  if (trimmed === '') bad('the query is empty');
  if (trimmed.length > MAX_QUERY_LENGTH)
    bad(`the query is ${trimmed.length} characters; at most ${MAX_QUERY_LENGTH} are allowed`);
  return trimmed;
}

const flag = (value: unknown, name: string, fallback: boolean): boolean => {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') bad(`${name} must be true or false`);
  return value;
};

/** Checks `search()` options; returns them with defaults filled in (`record` apart). */
export function validateSearchOptions(options: SearchOptions | undefined): {
  engine: { k: number; personalize: boolean; explain: boolean; filter?: SearchOptions['filter'] };
  record: boolean;
} {
  if (options !== undefined && (typeof options !== 'object' || options === null))
    bad('search options must be an object');
  const { k = 10, filter } = options ?? {};
  if (!Number.isInteger(k) || k < 1 || k > MAX_SEARCH_K)
    bad(`k must be an integer from 1 to ${MAX_SEARCH_K}; got ${String(k)}`);
  return {
    engine: {
      k,
      personalize: flag(options?.personalize, 'personalize', true),
      explain: flag(options?.explain, 'explain', false),
      ...(filter !== undefined && { filter: validateFilter(filter) }),
    },
    record: flag(options?.record, 'record', true),
  };
}

/** Checks `rerank()` arguments; returns a copy of the ids and the query to record, if any. */
export function validateRerank(
  itemIds: unknown,
  options: RerankOptions | undefined,
): { ids: string[]; explain: boolean; query?: string } {
  const ids = validateIdList(itemIds, 'rerank');
  if (options !== undefined && (typeof options !== 'object' || options === null))
    bad('rerank options must be an object');
  const query = options?.query === undefined ? undefined : validateSearchQuery(options.query);
  const explain = flag(options?.explain, 'explain', false);
  return flag(options?.record, 'record', true) && query !== undefined ? { ids, explain, query } : { ids, explain };
}
