import { deleteDB, openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { TrackedEvent } from '../src/event-schema.js';
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

  /** Sequence number of the newest event ever stored (0 when none); only grows. */
  async lastSeq(): Promise<number> {
    this.assertOpen();
    const cursor = await this.db.transaction('events').store.openKeyCursor(null, 'prev');
    return cursor?.key ?? 0;
  }

  /** Every stored event, oldest first (retention keeps this bounded). */
  async allEvents(): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.db.getAllFromIndex('events', 'by-time');
  }

  /**
   * Retention: deletes events older than `maxAgeMs` and, beyond the newest `maxEvents`, the
   * oldest ones, in one transaction. Returns how many were deleted.
   */
  async prune(maxAgeMs: number, maxEvents: number, now = Date.now()): Promise<number> {
    this.assertOpen();
    try {
      const tx = this.db.transaction('events', 'readwrite', { durability: 'relaxed' });
      const byTime = tx.store.index('by-time');
      let deleted = 0;
      if (Number.isFinite(maxAgeMs)) {
        let cursor = await byTime.openKeyCursor(IDBKeyRange.upperBound(now - maxAgeMs, true));
        for (; cursor; cursor = await cursor.continue()) {
          void tx.store.delete(cursor.primaryKey);
          deleted++;
        }
      }
      // Requests run in order inside a transaction, so this count already excludes the deletions above.
      let excess = (await tx.store.count()) - maxEvents;
      if (excess > 0) {
        let cursor = await byTime.openKeyCursor(IDBKeyRange.lowerBound(now - maxAgeMs));
        for (; cursor && excess > 0; cursor = await cursor.continue(), excess--) {
          void tx.store.delete(cursor.primaryKey);
          deleted++;
        }
      }
      await tx.done;
      return deleted;
    } catch (error) {
      throw storageError('retention clean-up', error);
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
