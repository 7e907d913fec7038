import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../contract/types.js';
import {
  BLOCKED,
  baseBias,
  encodeHistory,
  indexCatalog,
  matchesFilter,
  queryBias,
} from '../../worker/candidate-bias.js';

const vocab = ['a', 'b', 'c', 'd'];
const catalog: CatalogItem[] = [
  { id: 'a', attributes: { brand: 'x', tags: ['vegan', 'new'] } },
  { id: 'b', attributes: { brand: 'y' } },
  { id: 'c', attributes: { brand: 'x', inStock: false } },
  { id: 'd', attributes: { brand: 'y' }, inStock: false },
  { id: 'zz', attributes: { brand: 'x' } },
];

describe('candidate bias', () => {
  const { rowOf, items } = indexCatalog(vocab, catalog);

  it('maps only catalog items the model knows', () => {
    expect([...rowOf]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
    ]);
    expect([...items.keys()]).toEqual([1, 2, 3, 4]);
  });

  it('blocks padding, items the shop does not sell and out-of-stock items', () => {
    expect([...baseBias(5, items)]).toEqual([BLOCKED, 0, 0, 0, BLOCKED]);
  });

  const none = { seen: [], cart: [], purchased: [], anchors: [] };

  it('blocks excluded, seen and filtered-out rows without touching the base', () => {
    const base = baseBias(5, items);
    const bias = queryBias(base, { k: 3, exclude: ['b', 'unknown'], filter: { brand: 'x' } }, rowOf, items, {
      ...none,
      seen: [3],
    });
    expect([...bias]).toEqual([BLOCKED, 0, BLOCKED, BLOCKED, BLOCKED]);
    expect([...base]).toEqual([BLOCKED, 0, 0, 0, BLOCKED]);
    expect([...queryBias(base, { k: 3, includeSeen: true }, rowOf, items, { ...none, seen: [3] })]).toEqual([...base]);
  });

  it('excludes the cart, purchases and anchors unless asked, and seen items only for for-you', () => {
    const base = baseBias(5, items);
    const shopper = { seen: [1], cart: [2], purchased: [3], anchors: [] };
    expect([...queryBias(base, { k: 3 }, rowOf, items, shopper)]).toEqual([
      BLOCKED,
      BLOCKED,
      BLOCKED,
      BLOCKED,
      BLOCKED,
    ]);
    expect([...queryBias(base, { k: 3, includeInCart: true, includePurchased: true }, rowOf, items, shopper)]).toEqual([
      BLOCKED,
      BLOCKED,
      0,
      0,
      BLOCKED,
    ]);
    expect([
      ...queryBias(base, { k: 3, scenario: 'similar' }, rowOf, items, { ...none, seen: [1], anchors: [2] }),
    ]).toEqual([BLOCKED, 0, BLOCKED, 0, BLOCKED]);
  });

  it('boosts sellable items only', () => {
    const bias = queryBias(baseBias(5, items), { k: 3, boost: { a: 2, d: 5, nope: 1 } }, rowOf, items, none);
    expect([...bias]).toEqual([BLOCKED, 2, 0, 0, BLOCKED]);
  });

  it('matches scalar and list attributes', () => {
    expect(matchesFilter(catalog[0]!, { tags: 'vegan' })).toBe(true);
    expect(matchesFilter(catalog[0]!, { tags: ['old', 'new'], brand: 'x' })).toBe(true);
    expect(matchesFilter(catalog[0]!, { brand: 'y' })).toBe(false);
    expect(matchesFilter(catalog[2]!, { inStock: true })).toBe(false);
    expect(matchesFilter(catalog[1]!, { missing: 1 })).toBe(false);
  });

  it('left-pads the newest rows and drops unknown items', () => {
    expect([...encodeHistory(['a', 'nope', 'c'], rowOf, 4).input]).toEqual([0, 0, 1, 3]);
    const long = encodeHistory(['a', 'b', 'c', 'd', 'a', 'b'], rowOf, 4);
    expect([...long.input]).toEqual([3, 4, 1, 2]);
    expect(long.rows).toEqual([3, 4, 1, 2]);
  });
});
