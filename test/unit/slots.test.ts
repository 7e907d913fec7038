import { describe, expect, it } from 'vitest';
import { Slots } from '../../experiments/federated/slots.js';

describe('Slots', () => {
  it('never lets more than max hold at once, serves waiters in arrival order, and frees every slot', async () => {
    const slots = new Slots(3);
    let holding = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await slots.acquire();
        order.push(i);
        most = Math.max(most, ++holding);
        await new Promise((r) => setTimeout(r, 1 + (i % 4)));
        holding--;
        slots.release();
      }),
    );
    expect(most).toBe(3);
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(slots.inUse).toBe(0);
  });

  it('refuses a release without a held slot and a maximum below one', () => {
    expect(() => new Slots(2).release()).toThrow(/without a held slot/);
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});
