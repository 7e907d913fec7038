import type { TrackedEvent } from '../contract/event-schema.js';
import type { EventBatch } from '../contract/worker-protocol.js';

/** Sends a batch somewhere durable; resolves once it is stored, with true when it must still be kept (held in memory only). */
export type BatchSink = (batch: EventBatch) => Promise<boolean>;

/** Events held unacknowledged at most: past it the oldest go (with a warning), as a dead worker would grow it forever. */
export const MAX_UNACKNOWLEDGED = 5000;

/**
 * Collects validated events on the main thread and hands them to the worker in batches,
 * so `track()` costs an array push and the worker writes one IndexedDB transaction per batch.
 * Events are numbered in this page session (`tab`), and a batch stays unacknowledged until the
 * sink stored it: that is what the page-hide journal writes, and storage dedups on the numbers.
 */
export class EventBatcher {
  private pending: TrackedEvent[] = [];
  /** Sequence number of `pending[0]`. */
  private next = 1;
  /** Handed to the sink and not stored yet (a failed batch stays, so the journal still has it). */
  private readonly sent = new Set<EventBatch>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  /**
   * @param tab random id of this page session
   * @param sink where batches go
   * @param intervalMs how long an event may wait before it is sent
   * @param maxBatch send at once when this many events are waiting
   * @param onError called when a background flush fails (an explicit `flush()` rejects instead)
   */
  constructor(
    readonly tab: string,
    private readonly sink: BatchSink,
    private readonly intervalMs: number,
    private readonly maxBatch: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Number of events not yet handed to the sink. */
  get size(): number {
    return this.pending.length;
  }

  /** Queues one event; never blocks. */
  add(event: TrackedEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.maxBatch) {
      this.flush().catch(this.onError);
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.flush().catch(this.onError);
      }, this.intervalMs);
    }
  }

  /** Every event not known to be stored, oldest first: batches in flight, then the queue. */
  unacknowledged(): EventBatch[] {
    const batches = [...this.sent];
    if (this.pending.length > 0) batches.push({ tab: this.tab, first: this.next, events: [...this.pending] });
    return batches;
  }

  /** Drops what is queued; resolves once batches already sent have settled (so nothing lands after it). */
  async clear(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.next += this.pending.length;
    this.pending = [];
    await this.inFlight.catch(() => undefined);
    this.sent.clear();
  }

  /** Sends everything queued so far; resolves when all earlier batches are stored too. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length > 0) {
      const batch: EventBatch = { tab: this.tab, first: this.next, events: this.pending };
      this.next += this.pending.length;
      this.pending = [];
      this.hold(batch);
      // Chain so batches reach the sink in order even when one is slow.
      this.inFlight = this.inFlight
        .catch(() => undefined)
        .then(() => this.sink(batch))
        .then((keep) => void (keep || this.sent.delete(batch)));
    }
    return this.inFlight;
  }

  private hold(batch: EventBatch): void {
    this.sent.add(batch);
    let held = 0;
    for (const b of this.sent) held += b.events.length;
    for (const oldest of this.sent) {
      if (held <= MAX_UNACKNOWLEDGED) break;
      this.sent.delete(oldest);
      held -= oldest.events.length;
      console.warn(
        `[pocketrank] ${oldest.events.length} events not on the device are no longer kept for the page-hide journal`,
      );
    }
  }
}
