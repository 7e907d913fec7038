import { describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../contract/event-schema.js';
import { ShopperState } from '../../worker/shopper-state.js';

const t0 = 1_700_000_000_000;
const ev = (type: TrackedEvent['type'], itemId: string, i: number): TrackedEvent => ({
  type,
  itemId,
  timestamp: t0 + i,
});

describe('shopper state', () => {
  const log = [
    ev('view', 'a', 0),
    ev('view', 'a', 1),
    ev('add_to_cart', 'a', 2),
    ev('view', 'b', 3),
    ev('add_to_cart', 'b', 4),
    ev('remove_from_cart', 'b', 5),
    ev('purchase', 'a', 6),
    ev('view', 'c', 7),
    ev('view', 'b', 8),
  ];

  it('folds cart, purchases, recent views and the model history', () => {
    const s = ShopperState.from(log, 50);
    expect([...s.cart]).toEqual([]);
    expect([...s.purchased]).toEqual(['a']);
    expect(s.recentViews).toEqual(['b', 'c', 'a']);
    expect(s.history).toEqual([
      { itemId: 'a', type: 'view' },
      { itemId: 'b', type: 'view' },
      { itemId: 'a', type: 'purchase' },
      { itemId: 'c', type: 'view' },
      { itemId: 'b', type: 'view' },
    ]);
  });

  it('is the same whether built at once, in batches or from a shuffled log', () => {
    const batched = new ShopperState(50);
    expect(batched.apply(log.slice(0, 4))).toBe(true);
    expect(batched.apply(log.slice(4))).toBe(true);
    const whole = ShopperState.from(log, 50);
    const shuffled = ShopperState.from([...log].reverse(), 50);
    for (const s of [batched, shuffled]) {
      expect(s.history).toEqual(whole.history);
      expect([...s.cart]).toEqual([...whole.cart]);
      expect(s.recentViews).toEqual(whole.recentViews);
    }
  });

  it('refuses events older than what it holds, and caps the history', () => {
    const s = ShopperState.from(log, 2);
    expect(s.history.map((h) => h.itemId)).toEqual(['c', 'b']);
    expect(s.apply([ev('view', 'z', 1)])).toBe(false);
    expect(s.itemIds).toEqual(['c', 'b']);
  });
});
