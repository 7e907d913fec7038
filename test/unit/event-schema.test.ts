import { describe, expect, it } from 'vitest';
import { isItemInterest, validateEvent } from '../../contract/event-schema.js';
import { PocketrankError } from '../../contract/pocketrank-error.js';

const NOW = Date.UTC(2026, 10, 23);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof PocketrankError ? error.code : 'not-a-pocketrank-error';
  }
  return undefined;
}

describe('validateEvent', () => {
  it('accepts every event type and defaults the timestamp to now', () => {
    expect(validateEvent({ type: 'view', itemId: 'a' }, NOW)).toEqual({ type: 'view', itemId: 'a', timestamp: NOW });
    for (const type of ['add_to_cart', 'remove_from_cart', 'purchase'] as const) {
      expect(validateEvent({ type, itemId: 'a', timestamp: NOW - 5 }, NOW)).toEqual({
        type,
        itemId: 'a',
        timestamp: NOW - 5,
      });
    }
    expect(validateEvent({ type: 'search', query: 'red lipstick' }, NOW)).toEqual({
      type: 'search',
      query: 'red lipstick',
      timestamp: NOW,
    });
  });

  it('copies only known fields', () => {
    const input = { type: 'view', itemId: 'a', context: { page: 'home' }, secret: 'x' };
    const event = validateEvent(input, NOW);
    expect(event).not.toHaveProperty('secret');
    input.context.page = 'changed';
    expect(event.context).toEqual({ page: 'home' });
  });

  it.each([
    ['no object', null],
    ['unknown type', { type: 'like', itemId: 'a' }],
    ['missing itemId', { type: 'view' }],
    ['numeric itemId', { type: 'purchase', itemId: 7 }],
    ['empty query', { type: 'search', query: '' }],
    ['itemId too long', { type: 'view', itemId: 'a'.repeat(257) }],
    ['infinite timestamp', { type: 'view', itemId: 'a', timestamp: Infinity }],
    ['timestamp in 1970', { type: 'view', itemId: 'a', timestamp: 5 }],
    ['timestamp two days ahead', { type: 'view', itemId: 'a', timestamp: NOW + 2 * 86_400_000 }],
    ['array context', { type: 'view', itemId: 'a', context: [] }],
    ['object in context', { type: 'view', itemId: 'a', context: { a: {} } }],
    ['NaN in context', { type: 'view', itemId: 'a', context: { a: Number.NaN } }],
    ['5 MB string in context', { type: 'view', itemId: 'a', context: { page: 'x'.repeat(5 * 1024 * 1024) } }],
    [
      'a million context keys',
      { type: 'view', itemId: 'a', context: Object.fromEntries(Array.from({ length: 1e6 }, (_, i) => [`k${i}`, i])) },
    ],
    ['a context key of 1,000 characters', { type: 'view', itemId: 'a', context: { ['k'.repeat(1000)]: 1 } }],
  ])('rejects %s with invalid_event', (_why, input) => {
    expect(codeOf(() => validateEvent(input, NOW))).toBe('invalid_event');
  });

  it('counts views, cart adds and purchases as item interest, not removals or searches', () => {
    const e = (type: string) => validateEvent(type === 'search' ? { type, query: 'q' } : { type, itemId: 'a' }, NOW);
    expect(['view', 'add_to_cart', 'purchase', 'remove_from_cart', 'search'].map((t) => isItemInterest(e(t)))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
