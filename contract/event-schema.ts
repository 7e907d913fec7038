import { PocketrankError } from './pocketrank-error.js';

/** Event types accepted by `track()`. `impression` and `click` are what widgets record about their own items. */
export const EVENT_TYPES = [
  'view',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
  'search',
  'impression',
  'click',
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Free-form context stored with an event (page, widget, price...): JSON-compatible scalars only. */
export type EventContext = Record<string, string | number | boolean | null>;

/** What a storefront passes to `track()`. */
export type TrackInput =
  | { type: Exclude<EventType, 'search'>; itemId: string; timestamp?: number; context?: EventContext }
  | { type: 'search'; query: string; timestamp?: number; context?: EventContext };

/** A validated event, as stored on the device. */
export interface TrackedEvent {
  type: EventType;
  itemId?: string;
  query?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  context?: EventContext;
}

const MAX_ID_LENGTH = 256;
/** Longest query a `search` event (and `search()`) takes, in characters. */
export const MAX_QUERY_LENGTH = 512;
const MAX_CONTEXT_KEYS = 32;
const MAX_CONTEXT_KEY_LENGTH = 64;
const MAX_CONTEXT_STRING = 1024;
// Events older than 2000-01-01 or more than a day ahead are clock bugs, not history.
const MIN_TIMESTAMP = 946_684_800_000;
const MAX_CLOCK_SKEW_MS = 86_400_000;

function fail(message: string): never {
  throw new PocketrankError('invalid_event', message);
}

function checkContext(context: unknown): EventContext | undefined {
  if (context === undefined) return undefined;
  if (typeof context !== 'object' || context === null || Array.isArray(context))
    fail('event.context must be a plain object');
  // Counted before any per-key work: a context of a million keys is refused, not copied.
  const keys = Object.keys(context);
  if (keys.length > MAX_CONTEXT_KEYS)
    fail(`event.context has ${keys.length} keys; at most ${MAX_CONTEXT_KEYS} are allowed`);
  const out: EventContext = {};
  for (const key of keys) {
    const value = (context as Record<string, unknown>)[key];
    if (key.length > MAX_CONTEXT_KEY_LENGTH)
      fail(`event.context keys are at most ${MAX_CONTEXT_KEY_LENGTH} characters; got ${key.length}`);
    const ok =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) fail(`event.context.${key} must be a string, finite number, boolean or null`);
    if (typeof value === 'string' && value.length > MAX_CONTEXT_STRING)
      fail(`event.context.${key} is ${value.length} characters; at most ${MAX_CONTEXT_STRING} are allowed`);
    out[key] = value as EventContext[string];
  }
  return out;
}

/**
 * Checks a `track()` argument and returns the event to store, copying only known fields
 * so nothing the caller mutates later reaches the database.
 * @throws PocketrankError with code `invalid_event`, naming the offending field.
 */
export function validateEvent(input: unknown, now: number = Date.now()): TrackedEvent {
  if (typeof input !== 'object' || input === null) fail('event must be an object');
  const raw = input as Record<string, unknown>;
  const type = raw.type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    fail(`event.type must be one of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(type)}`);
  }
  let timestamp = now;
  if (raw.timestamp !== undefined) {
    if (typeof raw.timestamp !== 'number' || !Number.isFinite(raw.timestamp))
      fail('event.timestamp must be a finite number of milliseconds');
    if (raw.timestamp < MIN_TIMESTAMP || raw.timestamp > now + MAX_CLOCK_SKEW_MS)
      fail(`event.timestamp ${raw.timestamp} is outside the plausible range`);
    timestamp = raw.timestamp;
  }
  const event: TrackedEvent = { type: type as EventType, timestamp };
  if (type === 'search') {
    if (typeof raw.query !== 'string' || raw.query.trim() === '') fail('a search event needs a non-empty string query');
    if (raw.query.length > MAX_QUERY_LENGTH) fail(`event.query is longer than ${MAX_QUERY_LENGTH} characters`);
    event.query = raw.query;
  } else {
    if (typeof raw.itemId !== 'string' || raw.itemId === '') fail(`a ${type} event needs a non-empty string itemId`);
    if (raw.itemId.length > MAX_ID_LENGTH) fail(`event.itemId is longer than ${MAX_ID_LENGTH} characters`);
    event.itemId = raw.itemId;
  }
  const context = checkContext(raw.context);
  if (context) event.context = context;
  return event;
}

/** Event types that enter the model's history: the shopper showed interest in an item. */
export function isItemInterest(event: TrackedEvent): boolean {
  return (
    event.itemId !== undefined && (event.type === 'view' || event.type === 'add_to_cart' || event.type === 'purchase')
  );
}
