import { validateEvent, type TrackedEvent } from '../contract/event-schema.js';
import type { EventBatch } from '../contract/worker-protocol.js';

/** Characters one page session's journal may take (localStorage holds about 5 M per origin). */
export const MAX_JOURNAL_CHARS = 256 * 1024;

const VERSION = 1;

/** A journal found at start, to replay into storage and then release. */
export interface JournalEntry {
  key: string;
  /** Written by a newer SDK in another tab: not replayed, not removed. */
  foreign?: boolean;
  /** The stored text, so release() removes it only if no live tab rewrote it since. */
  raw: string;
  batches: EventBatch[];
}

const prefix = (dbName: string) => `pocketrank:${dbName}:journal:`;

/** localStorage, or undefined where the page may not use it (an opaque origin, storage blocked). */
function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/** Keeps the newest events whose JSON fits in `budget` characters. */
function trim(batches: EventBatch[], budget: number): EventBatch[] {
  const kept: EventBatch[] = [];
  let used = 64;
  for (let b = batches.length - 1; b >= 0; b--) {
    const batch = batches[b]!;
    let start = batch.events.length;
    while (start > 0 && used + JSON.stringify(batch.events[start - 1]).length + 1 <= budget)
      used += JSON.stringify(batch.events[--start]).length + 1;
    if (start < batch.events.length)
      kept.unshift({ tab: batch.tab, first: batch.first + start, events: batch.events.slice(start) });
    if (start > 0) break;
  }
  return kept;
}

/** The batches of a journal entry; undefined for a format this version does not know (left for the one that does). */
function parse(raw: string): EventBatch[] | undefined {
  const value = JSON.parse(raw) as { v?: unknown; batches?: unknown };
  if (value.v !== VERSION) return undefined;
  if (!Array.isArray(value.batches)) return [];
  const batches: EventBatch[] = [];
  for (const b of value.batches as Partial<EventBatch>[]) {
    if (typeof b?.tab !== 'string' || !Number.isInteger(b.first) || !Array.isArray(b.events)) continue;
    // What the page stored was checked when tracked; an event damaged since is left out alone, and
    // the batch split around it so every event keeps its number.
    let run: EventBatch | undefined;
    b.events.forEach((e: unknown, i) => {
      let event: TrackedEvent;
      try {
        event = validateEvent(e);
      } catch {
        run = undefined;
        return;
      }
      if (!run) batches.push((run = { tab: b.tab!, first: b.first! + i, events: [] }));
      run.events.push(event);
    });
  }
  return batches;
}

/**
 * The page-hide journal: when the page is hidden or goes away, the events not yet stored are
 * written here synchronously (a worker's IndexedDB commit does not outlive the page), and the next
 * start replays them; storage dedups them by sequence number, so each is stored exactly once.
 * One localStorage entry per page session, holding only its unstored events, capped in size.
 */
export class EventJournal {
  private written = false;

  /**
   * @param dbName the recommender's database: journals belong to it
   * @param tab this page session's id
   */
  constructor(
    private readonly dbName: string,
    private readonly tab: string,
  ) {}

  /** Replaces this session's entry with `batches` (none: removes it). False when it could not be written. */
  write(batches: EventBatch[]): boolean {
    const store = storage();
    if (!store) return false;
    const key = prefix(this.dbName) + this.tab;
    try {
      if (batches.length === 0) {
        if (this.written) store.removeItem(key);
        this.written = false;
        return true;
      }
      let raw = JSON.stringify({ v: VERSION, batches });
      if (raw.length > MAX_JOURNAL_CHARS) {
        const kept = trim(batches, MAX_JOURNAL_CHARS);
        const dropped =
          batches.reduce((n, b) => n + b.events.length, 0) - kept.reduce((n, b) => n + b.events.length, 0);
        console.warn(`[pocketrank] the page-hide journal is full: the ${dropped} oldest unstored events were left out`);
        raw = JSON.stringify({ v: VERSION, batches: kept });
      }
      store.setItem(key, raw);
      this.written = true;
      return true;
    } catch (error) {
      console.warn('[pocketrank] could not write the page-hide journal', error);
      return false;
    }
  }

  /** Every journal of `dbName` (earlier pages', or live tabs' that are hidden now). */
  static read(dbName: string): JournalEntry[] {
    const store = storage();
    if (!store) return [];
    const entries: JournalEntry[] = [];
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      if (!key?.startsWith(prefix(dbName))) continue;
      const raw = store.getItem(key) ?? '';
      try {
        const batches = parse(raw);
        entries.push(batches ? { key, raw, batches } : { key, raw, batches: [], foreign: true });
      } catch {
        entries.push({ key, raw, batches: [] }); // not JSON: released (removed) with the rest
      }
    }
    return entries;
  }

  /** Removes replayed entries, each only if it still holds what was replayed. */
  static release(entries: JournalEntry[]): void {
    const store = storage();
    if (!store) return;
    for (const entry of entries)
      if (!entry.foreign && store.getItem(entry.key) === entry.raw) store.removeItem(entry.key);
  }

  /** Removes every journal of `dbName` (forget(), consent withdrawn). */
  static clear(dbName: string): void {
    const store = storage();
    if (!store) return;
    const keys: string[] = [];
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      if (key?.startsWith(prefix(dbName))) keys.push(key);
    }
    keys.forEach((key) => store.removeItem(key));
  }
}
