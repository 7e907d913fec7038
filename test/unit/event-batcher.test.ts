import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBatcher } from '../../src/event-batcher.js';
import type { TrackedEvent } from '../../contract/event-schema.js';

const ev = (i: number): TrackedEvent => ({ type: 'view', itemId: `i${i}`, timestamp: 1_700_000_000_000 + i });

describe('EventBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends one batch per interval, in order', async () => {
    const batches: TrackedEvent[][] = [];
    const batcher = new EventBatcher(
      async (b) => void batches.push(b),
      100,
      1000,
      () => undefined,
    );
    for (let i = 0; i < 5; i++) batcher.add(ev(i));
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toEqual([[0, 1, 2, 3, 4].map(ev)]);
    expect(batcher.size).toBe(0);
  });

  it('sends at once when the batch is full, and flush() waits for every earlier batch', async () => {
    const stored: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new EventBatcher(
      async (b) => {
        if (stored.length === 0) await gate;
        stored.push(...b.map((e) => e.itemId!));
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

  it('reports background failures and keeps sending later batches', async () => {
    const errors: unknown[] = [];
    const sent: number[] = [];
    let calls = 0;
    const batcher = new EventBatcher(
      async (b) => {
        calls += 1;
        if (calls === 1) throw new Error('disk full');
        sent.push(b.length);
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
  });
});
