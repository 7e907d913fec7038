import { deleteDB, openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { TrackedEvent } from '../contract/event-schema.js';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { EventBatch } from '../contract/worker-protocol.js';

/** A stored event with its sequence number (1, 2, … in write order; never reused). */
export type StoredEvent = TrackedEvent & { seq?: number };

/** One write: a batch of events stored as a single record. */
interface EventPage {
  id?: number;
  events: StoredEvent[];
  /** Newest timestamp in the page (retention by age reads this index). */
  newest: number;
}

interface PocketrankDB extends DBSchema {
  /** Layout of versions 1-2: one record per event. Gone from version 3 on. */
  events: { key: number; value: StoredEvent; indexes: { 'by-time': number; 'by-item': string; 'by-type': string } };
  pages: { key: number; value: EventPage; indexes: { 'by-newest': number } };
  meta: { key: string; value: unknown };
}

/** Current schema version; each step in MIGRATIONS moves a database one version up. */
export const SCHEMA_VERSION = 3;

const TOTAL_KEY = 'events-total';
/** Per page session, the newest sequence number stored: what makes a replayed batch a no-op. */
const MARKS_KEY = 'tab-marks';
/** Sessions remembered; a batch is replayed within minutes, so hundreds of sessions are plenty. */
const MAX_MARKS = 256;

type Marks = Record<string, { n: number; at: number }>;

/** Why an open store stopped working, when another tab or the browser took it away. */
export type StoreLoss = 'deleted' | 'upgraded' | 'terminated';

type UpgradeTx = IDBPTransaction<PocketrankDB, StoreNames<PocketrankDB>[], 'versionchange'>;
const MIGRATIONS: Record<number, (db: IDBPDatabase<PocketrankDB>, tx: UpgradeTx) => Promise<void> | void> = {
  // v0 -> v1: the event log, readable newest-first by time and per item.
  0: (db) => {
    const events = db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
    events.createIndex('by-time', 'timestamp');
    events.createIndex('by-item', 'itemId');
  },
  // v1 -> v2: per-type index and a key-value meta store.
  1: (db, tx) => {
    tx.objectStore('events').createIndex('by-type', 'type');
    db.createObjectStore('meta');
  },
  // v2 -> v3: one record per written batch instead of per event. IndexedDB's cost is per record
  // (and per index entry), so this is what makes batched ingest an order of magnitude faster.
  2: async (db, tx) => {
    const pages = db.createObjectStore('pages', { keyPath: 'id', autoIncrement: true });
    pages.createIndex('by-newest', 'newest');
    const old = await tx.objectStore('events').getAll();
    if (old.length > 0)
      await tx.objectStore('pages').add({ events: old, newest: Math.max(...old.map((e) => e.timestamp)) });
    await tx.objectStore('meta').put(
      old.reduce((m, e) => Math.max(m, e.seq ?? 0), 0),
      TOTAL_KEY,
    );
    db.deleteObjectStore('events');
  },
};

function createCurrent(db: IDBPDatabase<PocketrankDB>): void {
  db.createObjectStore('pages', { keyPath: 'id', autoIncrement: true }).createIndex('by-newest', 'newest');
  db.createObjectStore('meta');
}

/** A failed IndexedDB operation; `quota` when the origin ran out of room. */
export class StorageFailure extends PocketrankError {
  /** True for a QuotaExceededError: evicting events may make room. */
  readonly quota: boolean;

  constructor(action: string, error: unknown) {
    const name = error instanceof Error || error instanceof DOMException ? error.name : '';
    const detail = error instanceof Error ? [error.name, error.message].filter(Boolean).join(': ') : String(error);
    super('storage_failed', `IndexedDB ${action} failed: ${detail}`);
    this.quota = name === 'QuotaExceededError';
  }
}

function storageError(action: string, error: unknown): PocketrankError {
  return error instanceof PocketrankError ? error : new StorageFailure(action, error);
}

function withMark(marks: Marks, tab: string, n: number): Marks {
  const next = { ...marks, [tab]: { n, at: Date.now() } };
  const tabs = Object.keys(next);
  if (tabs.length <= MAX_MARKS) return next;
  const kept = tabs.sort((a, b) => next[b]!.at - next[a]!.at).slice(0, MAX_MARKS);
  return Object.fromEntries(kept.map((t) => [t, next[t]!]));
}

/** The shopper's event log in IndexedDB: one record (and one transaction) per written batch. */
export class EventStore {
  /** Why the connection is gone, once it is. */
  private closedBy: string | undefined;
  /** What took the connection away, once something did. */
  lost: StoreLoss | undefined;

  private constructor(private readonly db: IDBPDatabase<PocketrankDB>) {}

  private assertOpen(): void {
    if (this.closedBy) throw new PocketrankError('storage_failed', this.closedBy);
  }

  /**
   * Opens (creating or upgrading) the database `name`.
   * @param onLost called once when another tab or the browser takes the connection away
   */
  static async open(name: string, onLost: (loss: StoreLoss) => void = () => undefined): Promise<EventStore> {
    try {
      const db = await openDB<PocketrankDB>(name, SCHEMA_VERSION, {
        async upgrade(database, oldVersion, _newVersion, tx) {
          // A new database gets the current layout at once; older ones walk the migrations.
          if (oldVersion === 0) return createCurrent(database);
          for (let v = oldVersion; v < SCHEMA_VERSION; v++) await MIGRATIONS[v]!(database, tx);
        },
        blocked() {
          // Another tab still holds an older version open; the open resolves once it closes.
        },
        blocking(_current, next) {
          // Another tab deletes the database (forget(), consent withdrawn) or a newer SDK upgrades
          // it: step aside instead of blocking it forever.
          store.lost = next === null ? 'deleted' : 'upgraded';
          store.closedBy =
            next === null
              ? 'another tab deleted the database'
              : 'a newer pocketrank version in another tab upgraded the database; reload this page';
          db.close();
          onLost(store.lost);
        },
        terminated() {
          store.lost = 'terminated';
          store.closedBy = 'the browser closed the database (storage cleared or disk error)';
          onLost(store.lost);
        },
      });
      const store = new EventStore(db);
      return store;
    } catch (error) {
      throw storageError(`open of "${name}"`, error);
    }
  }

  /**
   * Appends the batch's events not stored before (by its session's sequence numbers), numbered
   * in order, atomically: all of them are stored or none. Returns the events it stored.
   */
  async append(batch: EventBatch): Promise<StoredEvent[]> {
    if (batch.events.length === 0) return [];
    this.assertOpen();
    try {
      // Relaxed durability: the commit returns once the browser has the data, not after an fsync.
      // Shopper events are worth a few lost milliseconds on an OS crash, not a disk flush each.
      const tx = this.db.transaction(['pages', 'meta'], 'readwrite', { durability: 'relaxed' });
      const meta = tx.objectStore('meta');
      const [total, marks] = (await Promise.all([meta.get(TOTAL_KEY), meta.get(MARKS_KEY)])) as [
        number | undefined,
        Marks | undefined,
      ];
      const seen = marks?.[batch.tab]?.n ?? 0;
      const fresh = batch.events.filter((_, i) => batch.first + i > seen);
      if (fresh.length === 0) {
        await tx.done;
        return [];
      }
      const base = total ?? 0;
      const page = {
        events: fresh.map((e, i) => ({ ...e, seq: base + i + 1 })),
        newest: Math.max(...fresh.map((e) => e.timestamp)),
      };
      void tx.objectStore('pages').add(page);
      void meta.put(base + fresh.length, TOTAL_KEY);
      void meta.put(withMark(marks ?? {}, batch.tab, batch.first + batch.events.length - 1), MARKS_KEY);
      await tx.done;
      return page.events;
    } catch (error) {
      throw storageError('write', error);
    }
  }

  /** Number of stored events. */
  async count(): Promise<number> {
    return (await this.allEvents()).length;
  }

  /** Sequence number of the newest event ever stored (0 when none); only grows. */
  async lastSeq(): Promise<number> {
    this.assertOpen();
    return ((await this.db.get('meta', TOTAL_KEY)) as number | undefined) ?? 0;
  }

  /** Every stored event in write order (retention keeps this bounded). */
  async allEvents(): Promise<StoredEvent[]> {
    this.assertOpen();
    return (await this.db.getAll('pages')).flatMap((p) => p.events);
  }

  /**
   * Retention: deletes events older than `maxAgeMs` and, beyond the newest `maxEvents`, the
   * oldest ones, in one transaction; pages left partly kept are rewritten. Returns how many went.
   */
  async prune(maxAgeMs: number, maxEvents: number, now = Date.now()): Promise<number> {
    this.assertOpen();
    try {
      const tx = this.db.transaction('pages', 'readwrite', { durability: 'relaxed' });
      const pages = await tx.store.getAll();
      const all = pages.flatMap((p) => p.events.map((e) => ({ e, page: p.id! })));
      const cutoff = now - maxAgeMs;
      const kept = all
        .filter(({ e }) => e.timestamp >= cutoff)
        .sort((a, b) => a.e.timestamp - b.e.timestamp)
        .slice(-maxEvents);
      const deleted = all.length - kept.length;
      if (deleted > 0) {
        const keep = new Set(kept.map((k) => k.e));
        for (const page of pages) {
          const left = page.events.filter((e) => keep.has(e));
          if (left.length === 0) void tx.store.delete(page.id!);
          else if (left.length < page.events.length)
            void tx.store.put({ ...page, events: left, newest: Math.max(...left.map((e) => e.timestamp)) });
        }
      }
      await tx.done;
      return deleted;
    } catch (error) {
      throw storageError('retention clean-up', error);
    }
  }

  /**
   * Deletes whole oldest records until at least `share` of the events are gone: deletes only,
   * since a transaction that writes is refused once the origin is over its quota. Returns how many went.
   */
  async evictOldest(share: number): Promise<number> {
    this.assertOpen();
    try {
      const tx = this.db.transaction('pages', 'readwrite', { durability: 'relaxed' });
      const pages = await tx.store.getAll();
      const target = Math.ceil(pages.reduce((n, p) => n + p.events.length, 0) * share);
      let evicted = 0;
      for (const page of pages) {
        if (evicted >= target) break;
        void tx.store.delete(page.id!);
        evicted += page.events.length;
      }
      await tx.done;
      return evicted;
    } catch (error) {
      throw storageError('eviction', error);
    }
  }

  /** Deletes the whole database `name`; resolves once it is gone (other tabs' connections are asked to close). */
  static async destroy(name: string): Promise<void> {
    try {
      await deleteDB(name);
    } catch (error) {
      throw storageError(`deletion of "${name}"`, error);
    }
  }

  /** Reads a value of the meta store. */
  async getMeta<T>(key: string): Promise<T | undefined> {
    this.assertOpen();
    return (await this.db.get('meta', key)) as T | undefined;
  }

  /** Writes a value of the meta store (structured clone: typed arrays are stored as they are). */
  async putMeta(key: string, value: unknown): Promise<void> {
    this.assertOpen();
    try {
      await this.db.put('meta', value, key);
    } catch (error) {
      throw storageError('write', error);
    }
  }

  /** Closes the connection (pending transactions finish first). */
  close(): void {
    this.db.close();
  }
}
