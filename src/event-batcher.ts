import type { TrackedEvent } from '../contract/event-schema.js';

/** Sends a batch somewhere durable; resolves once it is stored. */
export type BatchSink = (events: TrackedEvent[]) => Promise<void>;

/**
 * Collects validated events on the main thread and hands them to the worker in batches,
 * so `track()` costs an array push and the worker writes one IndexedDB transaction per batch.
 */
export class EventBatcher {
  private pending: TrackedEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  /**
   * @param sink where batches go
   * @param intervalMs how long an event may wait before it is sent
   * @param maxBatch send at once when this many events are waiting
   * @param onError called when a background flush fails (an explicit `flush()` rejects instead)
   */
  constructor(
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

  /** Drops what is queued; resolves once batches already sent have settled (so nothing lands after it). */
  clear(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    return this.inFlight.catch(() => undefined);
  }

  /** Sends everything queued so far; resolves when all earlier batches are stored too. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      // Chain so batches reach the sink in order even when one is slow.
      this.inFlight = this.inFlight.catch(() => undefined).then(() => this.sink(batch));
    }
    return this.inFlight;
  }
}
