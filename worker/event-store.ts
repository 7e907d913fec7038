import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { isItemInterest, type TrackedEvent } from '../src/event-schema.js';
import { PocketrankError } from '../src/pocketrank-error.js';

/** A stored event with its insertion sequence number. */
export type StoredEvent = TrackedEvent & { seq?: number };

interface PocketrankDB extends DBSchema {
  events: { key: number; value: StoredEvent; indexes: { 'by-time': number; 'by-item': string; 'by-type': string } };
  meta: { key: string; value: unknown };
}

/** Current schema version; each step in MIGRATIONS moves a database one version up. */
export const SCHEMA_VERSION = 2;

type UpgradeTx = IDBPTransaction<PocketrankDB, StoreNames<PocketrankDB>[], 'versionchange'>;
const MIGRATIONS: Record<number, (db: IDBPDatabase<PocketrankDB>, tx: UpgradeTx) => void> = {
  // v0 -> v1: the event log, readable newest-first by time and per item.
  0: (db) => {
    const events = db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
    events.createIndex('by-time', 'timestamp');
    events.createIndex('by-item', 'itemId');
  },
  // v1 -> v2: per-type index (retention and "recently viewed" read one type) and a key-value meta store.
  1: (db, tx) => {
    tx.objectStore('events').createIndex('by-type', 'type');
    db.createObjectStore('meta');
  },
};

function storageError(action: string, error: unknown): PocketrankError {
  return new PocketrankError('storage_failed', `IndexedDB ${action} failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** The shopper's event log in IndexedDB. Each write is one transaction per batch. */
export class EventStore {
  /** Why the connection is gone, once it is. */
  private closedBy: string | undefined;

  private constructor(private readonly db: IDBPDatabase<PocketrankDB>) {}

  private assertOpen(): void {
    if (this.closedBy) throw new PocketrankError('storage_failed', this.closedBy);
  }

  /** Opens (creating or upgrading) the database `name`. */
  static async open(name: string): Promise<EventStore> {
    try {
      const db = await openDB<PocketrankDB>(name, SCHEMA_VERSION, {
        upgrade(database, oldVersion, _newVersion, tx) {
          for (let v = oldVersion; v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(database, tx);
        },
        blocked() {
          // Another tab still holds an older version open; the open resolves once it closes.
        },
        blocking() {
          // A newer SDK in another tab wants to upgrade: step aside instead of blocking it forever.
          store.closedBy = 'a newer pocketrank version in another tab upgraded the database; reload this page';
          db.close();
        },
        terminated() {
          store.closedBy = 'the browser closed the database (storage cleared or disk error)';
        },
      });
      const store = new EventStore(db);
      return store;
    } catch (error) {
      throw storageError(`open of "${name}"`, error);
    }
  }

  /** Appends events atomically: all of the batch is stored or none of it. */
  async append(events: readonly TrackedEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.assertOpen();
    try {
      // Relaxed durability: the commit returns once the browser has the data, not after an fsync.
      // Shopper events are worth a few lost milliseconds on an OS crash, not a disk flush each.
      const tx = this.db.transaction('events', 'readwrite', { durability: 'relaxed' });
      for (const event of events) void tx.store.add(event);
      await tx.done;
    } catch (error) {
      throw storageError('write', error);
    }
  }

  /** Number of stored events. */
  async count(): Promise<number> {
    this.assertOpen();
    return this.db.count('events');
  }

  /**
   * Item ids of the newest item-interest events, oldest first, at most `limit`, with
   * immediate repeats collapsed (reloading a product page is not a new interest), and the
   * newest such event's timestamp.
   */
  async recentItems(limit: number): Promise<{ items: string[]; newestTimestamp: number }> {
    this.assertOpen();
    const newestFirst: string[] = [];
    let newestTimestamp = -Infinity;
    let cursor = await this.db.transaction('events').store.index('by-time').openCursor(null, 'prev');
    while (cursor && newestFirst.length < limit) {
      const event = cursor.value;
      if (isItemInterest(event)) {
        newestTimestamp = Math.max(newestTimestamp, event.timestamp);
        if (newestFirst[newestFirst.length - 1] !== event.itemId) newestFirst.push(event.itemId!);
      }
      cursor = await cursor.continue();
    }
    return { items: newestFirst.reverse(), newestTimestamp };
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
