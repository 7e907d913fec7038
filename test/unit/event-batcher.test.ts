import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBatcher, MAX_UNACKNOWLEDGED } from '../../src/event-batcher.js';
import type { TrackedEvent } from '../../contract/event-schema.js';
import type { EventBatch } from '../../contract/worker-protocol.js';

const ev = (i: number): TrackedEvent => ({ type: 'view', itemId: `i${i}`, timestamp: 1_700_000_000_000 + i });
const ids = (batches: EventBatch[]) => batches.flatMap((b) => b.events.map((e) => e.itemId));

describe('EventBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends one batch per interval, in order, numbered from 1 in its page session', async () => {
    const batches: EventBatch[] = [];
    const batcher = new EventBatcher(
      'tab-a',
      async (b) => {
        batches.push(b);
        return false;
      },
      100,
      1000,
      () => undefined,
    );
    for (let i = 0; i < 5; i++) batcher.add(ev(i));
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toEqual([{ tab: 'tab-a', first: 1, events: [0, 1, 2, 3, 4].map(ev) }]);
    expect(batcher.size).toBe(0);
    batcher.add(ev(5));
    await batcher.flush();
    expect(batches[1]).toEqual({ tab: 'tab-a', first: 6, events: [ev(5)] });
  });

  it('sends at once when the batch is full, and flush() waits for every earlier batch', async () => {
    const stored: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new EventBatcher(
      't',
      async (b) => {
        if (stored.length === 0) await gate;
        stored.push(...b.events.map((e) => e.itemId!));
        return false;
      },
      10_000,
      3,
      () => undefined,
    );
    for (let i = 0; i < 4; i++) batcher.add(ev(i));
    const done = batcher.flush();
    let finished = false;
    void done.then(() => (finished = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(finished).toBe(false);
    release();
    await done;
    expect(stored).toEqual(['i0', 'i1', 'i2', 'i3']);
  });

  it('holds every event until the sink stored it: in flight, then queued, oldest first', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new EventBatcher(
      't',
      () => gate.then(() => false),
      10_000,
      1000,
      () => undefined,
    );
    batcher.add(ev(1));
    batcher.add(ev(2));
    const sent = batcher.flush();
    batcher.add(ev(3));
    expect(batcher.unacknowledged()).toEqual([
      { tab: 't', first: 1, events: [ev(1), ev(2)] },
      { tab: 't', first: 3, events: [ev(3)] },
    ]);
    release();
    await sent;
    expect(ids(batcher.unacknowledged())).toEqual(['i3']);
    await batcher.flush();
    expect(batcher.unacknowledged()).toEqual([]);
  });

  it('keeps a batch the sink failed to store (the journal still has it) and reports the failure', async () => {
    const errors: unknown[] = [];
    const sent: number[] = [];
    let calls = 0;
    const batcher = new EventBatcher(
      't',
      async (b) => {
        calls += 1;
        if (calls === 1) throw new Error('disk full');
        sent.push(b.events.length);
        return false;
      },
      10,
      100,
      (e) => errors.push(e),
    );
    batcher.add(ev(1));
    await vi.advanceTimersByTimeAsync(10);
    batcher.add(ev(2));
    await batcher.flush();
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([1]);
    expect(batcher.unacknowledged()).toEqual([{ tab: 't', first: 1, events: [ev(1)] }]);
  });

  it('caps what a dead sink leaves unacknowledged, dropping the oldest batches', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const batcher = new EventBatcher(
      't',
      () => Promise.reject(new Error('dead')),
      10,
      1000,
      () => undefined,
    );
    for (let i = 0; i < MAX_UNACKNOWLEDGED + 2000; i++) batcher.add(ev(i));
    await batcher.flush().catch(() => undefined);
    const held = batcher.unacknowledged();
    expect(held.reduce((n, b) => n + b.events.length, 0)).toBeLessThanOrEqual(MAX_UNACKNOWLEDGED);
    expect(ids(held).at(-1)).toBe(`i${MAX_UNACKNOWLEDGED + 1999}`);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('keeps a batch the sink says is held in memory only, for the journal', async () => {
    const batcher = new EventBatcher(
      't',
      async (b) => b.first === 1,
      10_000,
      1000,
      () => undefined,
    );
    batcher.add(ev(1));
    await batcher.flush();
    batcher.add(ev(2));
    await batcher.flush();
    expect(batcher.unacknowledged()).toEqual([{ tab: 't', first: 1, events: [ev(1)] }]);
  });

  it('clear() drops the queue and, once in-flight batches settle, what they held', async () => {
    const batcher = new EventBatcher(
      't',
      async () => false,
      10_000,
      1000,
      () => undefined,
    );
    batcher.add(ev(1));
    await batcher.clear();
    expect(batcher.unacknowledged()).toEqual([]);
    batcher.add(ev(2));
    // Numbers are never reused, so a cleared event's number cannot shadow a new one.
    expect(batcher.unacknowledged()).toEqual([{ tab: 't', first: 2, events: [ev(2)] }]);
  });
});
