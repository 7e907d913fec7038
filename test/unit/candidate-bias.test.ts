import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../src/types.js';
import { BLOCKED, baseBias, encodeHistory, indexCatalog, matchesFilter, queryBias } from '../../worker/candidate-bias.js';

const vocab = ['a', 'b', 'c', 'd'];
const catalog: CatalogItem[] = [
  { id: 'a', attributes: { brand: 'x', tags: ['vegan', 'new'] } },
  { id: 'b', attributes: { brand: 'y' } },
  { id: 'c', attributes: { brand: 'x', inStock: false } },
  { id: 'zz', attributes: { brand: 'x' } },
];

describe('candidate bias', () => {
  const { rowOf, items } = indexCatalog(vocab, catalog);

  it('maps only catalog items the model knows', () => {
    expect([...rowOf]).toEqual([['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
    expect([...items.keys()]).toEqual([1, 2, 3]);
  });

  it('blocks padding and items the shop does not sell', () => {
    expect([...baseBias(5, items.keys())]).toEqual([BLOCKED, 0, 0, 0, BLOCKED]);
  });

  it('blocks excluded, seen and filtered-out rows without touching the base', () => {
    const base = baseBias(5, items.keys());
    const bias = queryBias(base, { k: 3, exclude: ['b', 'unknown'], filter: { brand: 'x' } }, rowOf, items, [3]);
    expect([...bias]).toEqual([BLOCKED, 0, BLOCKED, BLOCKED, BLOCKED]);
    expect([...base]).toEqual([BLOCKED, 0, 0, 0, BLOCKED]);
    expect([...queryBias(base, { k: 3, includeSeen: true }, rowOf, items, [3])]).toEqual([...base]);
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
