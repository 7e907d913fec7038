import { PocketrankError } from '../contract/pocketrank-error.js';
import type { MemoryOnlyCause, StorageStatus } from '../contract/types.js';
import type { ConsentState, EventBatch } from '../contract/worker-protocol.js';
import { EventStore, StorageFailure, type StoreLoss, type StoredEvent } from './event-store.js';

/** What the log keeps: the database name and retention limits. */
export interface LogOptions {
  dbName: string;
  retention: { maxAgeMs: number; maxEvents: number };
}

/** Share of the stored events, oldest first, a full origin gives up to make room for new ones. */
const QUOTA_EVICTION = 0.25;
/**
 * How often, at most, a log kept in memory for want of quota tries the device again: freed room
 * shows only once the browser compacts the database, or the page frees other storage.
 */
const QUOTA_RETRY_MS = 1000;

/** What one append did. */
export interface Appended {
  /** Events of the batch the log did not have before, in order. */
  fresh: StoredEvent[];
  /** Part of the batch was on the device already (a journal replayed by another tab): the log reread it, so rebuild from `events`. */
  reread: boolean;
  /** Kept in memory because storage fails (not for want of consent): the page keeps it for its journal. */
  held: boolean;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The shopper's event log as this worker sees it: written to IndexedDB while that works, held in
 * memory (and reported as such) when there is no consent or storage fails, never silently dropped.
 * It mirrors what is stored, so a database another tab upgraded keeps ranking this session.
 */
export class DurableLog {
  private store: EventStore | undefined;
  /** What the device holds, as last read or written. */
  private mirror: StoredEvent[] = [];
  /** Events of this session the device does not hold, as the batches they came in (numbers kept). */
  private memory: EventBatch[] = [];
  /** Per session, the newest sequence number held in memory: replays stay no-ops there too. */
  private readonly memoryMarks = new Map<string, number>();
  private cause: MemoryOnlyCause | undefined;
  private reason = '';
  private writes = 0;
  private lastTry = 0;
  /** Appends and consent changes run one at a time: interleaved, a newer batch's mark would hide older ones. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Events recovered from the page-hide journal at start. */
  recovered = 0;

  /**
   * @param options database name and retention
   * @param onDeleted called when another tab deletes the database: what this session knew is gone
   */
  constructor(
    private readonly options: LogOptions,
    private readonly onDeleted: () => void,
  ) {}

  /** Opens the device log with consent, or starts memory-only (consent refused or storage denied). */
  async open(consent: ConsentState): Promise<void> {
    if (consent !== 'granted') return this.degrade('consent', 'storage consent is not granted');
    try {
      this.store = await EventStore.open(this.options.dbName, (loss) => this.lose(loss));
      await this.prune();
      this.cause = undefined;
    } catch (error) {
      this.store = undefined;
      this.degrade('unavailable', `IndexedDB is not available here: ${message(error)}`);
    }
  }

  /** The open database while storage is durable (model weights live there too). */
  get device(): EventStore | undefined {
    return this.cause === undefined ? this.store : undefined;
  }

  /** Whether new events reach the device, and why not. */
  get status(): StorageStatus {
    return this.cause === undefined
      ? { state: 'durable', recovered: this.recovered }
      : { state: 'memory-only', cause: this.cause, reason: this.reason, recovered: this.recovered };
  }

  /** Every event of the history, stored or not. */
  get events(): StoredEvent[] {
    return [...this.mirror, ...this.memory.flatMap((b) => b.events)];
  }

  /** Events on the device. */
  get storedCount(): number {
    return this.mirror.length;
  }

  /** Events held in memory only. */
  get memoryCount(): number {
    return this.memory.reduce((n, b) => n + b.events.length, 0);
  }

  /** Reads what the device holds now (storedData() shows that, not the mirror). */
  async storedEvents(): Promise<StoredEvent[]> {
    // Full or not, an open database is still readable; one another tab took away is not.
    return this.store && !this.store.lost ? await this.store.allEvents() : [];
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Stores the batch's new events (or keeps them in memory). */
  append(batch: EventBatch): Promise<Appended> {
    return this.exclusive(() => this.appendNow(batch));
  }

  private async appendNow(batch: EventBatch): Promise<Appended> {
    // Forgotten (here or in another tab): the database comes back with the shopper's next event, not before.
    if (this.cause === undefined && (!this.store || this.store.lost === 'deleted')) await this.open('granted');
    if (this.cause === 'quota' && performance.now() - this.lastTry >= QUOTA_RETRY_MS) await this.retryDevice();
    if (this.cause !== undefined || !this.store) return this.remember(batch);
    let fresh: StoredEvent[];
    try {
      fresh = await this.store.append(batch);
    } catch (error) {
      if (!(error instanceof StorageFailure) || !error.quota) {
        this.degrade('failed', `an IndexedDB write failed: ${message(error)}`);
        return this.remember(batch);
      }
      try {
        // Out of room: the oldest quarter goes, then one retry.
        await this.evict();
        fresh = await this.store.append(batch);
      } catch (retry) {
        this.lastTry = performance.now();
        this.degrade('quota', `the origin's storage quota is full, even after evicting old events: ${message(retry)}`);
        return this.remember(batch);
      }
    }
    // Retention runs at start and every so many writes, so a long session stays bounded too.
    const reread = fresh.length < batch.events.length || ++this.writes % 64 === 0;
    if (reread) await this.prune();
    else this.mirror.push(...fresh);
    return { fresh, reread, held: false };
  }

  /** Consent granted: what this session held in memory is stored from now on. */
  grant(): Promise<void> {
    return this.exclusive(async () => {
      const held = this.memory;
      await this.open('granted');
      if (this.cause !== undefined) return;
      this.memory = [];
      for (const batch of held) await this.appendNow(batch);
    });
  }

  /** Consent withdrawn: the device copy goes, the session keeps ranking from memory. */
  deny(): Promise<void> {
    return this.exclusive(async () => {
      const stored = this.mirror;
      this.degrade('consent', 'storage consent was withdrawn');
      await this.erase();
      this.memory.unshift({ tab: `device-${crypto.randomUUID()}`, first: 1, events: stored });
      this.trimMemory();
    });
  }

  /** Forgets everything: the database and this session's memory. */
  forget(): Promise<void> {
    return this.exclusive(async () => {
      await this.erase();
      this.memory = [];
      this.memoryMarks.clear();
    });
  }

  /** Closes the database. */
  close(): void {
    this.store?.close();
  }

  private async erase(): Promise<void> {
    this.store?.close();
    this.store = undefined;
    this.mirror = [];
    await EventStore.destroy(this.options.dbName);
  }

  private remember(batch: EventBatch): Appended {
    const seen = this.memoryMarks.get(batch.tab) ?? 0;
    const skip = Math.max(0, Math.min(batch.events.length, seen - batch.first + 1));
    const fresh = batch.events.slice(skip);
    this.memoryMarks.set(batch.tab, Math.max(seen, batch.first + batch.events.length - 1));
    if (fresh.length > 0) this.memory.push({ tab: batch.tab, first: batch.first + skip, events: fresh });
    this.trimMemory();
    return { fresh, reread: false, held: this.cause !== 'consent' };
  }

  /** Retention's count applies in memory too: the oldest events go first. */
  private trimMemory(): void {
    let excess = this.memoryCount - this.options.retention.maxEvents;
    while (excess > 0 && this.memory.length > 0) {
      const oldest = this.memory[0]!;
      if (oldest.events.length <= excess) {
        excess -= oldest.events.length;
        this.memory.shift();
      } else {
        this.memory[0] = { tab: oldest.tab, first: oldest.first + excess, events: oldest.events.slice(excess) };
        excess = 0;
      }
    }
  }

  /** Kept in memory for want of room: tries the device again with what was held, oldest first. */
  private async retryDevice(): Promise<void> {
    this.lastTry = performance.now();
    try {
      while (this.memory.length > 0) {
        this.mirror.push(...(await this.store!.append(this.memory[0]!)));
        this.memory.shift();
      }
    } catch {
      return; // still full: what was stored left memory, the rest waits
    }
    this.cause = undefined;
    console.warn('[pocketrank] storage has room again: events are stored on the device');
  }

  private degrade(cause: MemoryOnlyCause, reason: string): void {
    if (this.cause === undefined && cause !== 'consent')
      console.warn(`[pocketrank] events are kept in memory only from now on: ${reason}`);
    this.cause = cause;
    this.reason = reason;
  }

  private lose(loss: StoreLoss): void {
    if (loss === 'deleted') {
      // Another tab forgot the shopper (or consent was withdrawn there): so does this one. The next
      // event recreates the database (also when this one was out of room: that room is free now).
      this.store = undefined;
      if (this.cause === 'quota') this.cause = undefined;
      this.mirror = [];
      this.memory = [];
      this.memoryMarks.clear();
      this.onDeleted();
      return;
    }
    // The mirror keeps this session's history; the device copy is out of reach until a reload.
    this.memory.unshift({ tab: `device-${crypto.randomUUID()}`, first: 1, events: this.mirror });
    this.mirror = [];
    this.degrade(
      loss === 'upgraded' ? 'upgraded' : 'failed',
      loss === 'upgraded'
        ? 'a newer pocketrank version in another tab upgraded the database; reload this page'
        : 'the browser closed the database (storage cleared or disk error)',
    );
  }

  private async prune(): Promise<void> {
    const { maxAgeMs, maxEvents } = this.options.retention;
    await this.store!.prune(maxAgeMs, maxEvents);
    this.mirror = await this.store!.allEvents();
  }

  private async evict(): Promise<void> {
    const evicted = await this.store!.evictOldest(QUOTA_EVICTION);
    if (evicted === 0) throw new PocketrankError('storage_failed', 'no stored event was left to evict');
    this.mirror = await this.store!.allEvents();
    console.warn(`[pocketrank] storage quota reached: evicted the ${evicted} oldest events`);
  }
}
