import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { queryForTitle } from '../../models/eval/search-eval.js';
import { CatalogIndex } from '../../models/search/catalog-index.js';
import { blendScores, positionRelevance, standardize } from '../../models/search/search-blend.js';

const ITEMS = [
  { id: 'a', title: 'Velvet matte lipstick', brand: 'Aurora', attributes: { color: 'ruby red', tags: ['173'] } },
  { id: 'b', title: 'Glossy lipstick rose', brand: 'Belle', category: ['Makeup', 'Lips'] },
  { id: 'c', title: 'Crème hydratante visage', brand: 'Cerise' },
  { id: 'd', title: 'Matte nail polish', brand: 'Aurora', category: 'Nails' },
];

describe('the catalog index', () => {
  const index = new CatalogIndex(ITEMS);
  const ids = (query: string) => index.match(query).map((m) => m.id);

  it('matches every word, with typos, and completes the last word typed', () => {
    expect(ids('lipstick').sort()).toEqual(['a', 'b']);
    expect(ids('lipstik').sort()).toEqual(['a', 'b']); // one letter missing
    expect(ids('matte lipst')).toEqual(['a']); // both words: only a
    expect(ids('velv')).toEqual(['a']);
    expect(ids('creme')).toEqual(['c']); // accents folded
    expect(ids('makeup')).toEqual(['b']); // category path
    expect(ids('aurora')).toEqual(expect.arrayContaining(['a', 'd']));
    expect(ids('ruby')).toEqual(['a']); // worded attribute values
    expect(ids('173')).toEqual([]); // id-like attribute values are not text
  });

  it('falls back to any word when no item has them all, and says which words matched where', () => {
    expect(ids('rose polish').sort()).toEqual(['b', 'd']);
    const [hit] = index.match('aurora velvet');
    expect(hit!.id).toBe('a');
    expect(hit!.fields).toEqual({ brand: ['aurora'], title: ['velvet'] });
  });

  it('keeps only what the caller accepts before the cap', () => {
    const best = index.match('lipstick', 1)[0]!.id;
    const other = best === 'a' ? 'b' : 'a';
    expect(index.match('lipstick', 1, (id) => id !== best).map((m) => m.id)).toEqual([other]);
  });

  it('replaces items by id and adds new ones; builds the same in chunks', async () => {
    const live = await CatalogIndex.build(ITEMS, 1);
    expect(live.size).toBe(4);
    live.upsert([
      { id: 'a', title: 'Satin blush' },
      { id: 'e', title: 'Velvet brush' },
    ]);
    expect(live.size).toBe(5);
    expect(live.match('lipstick').map((m) => m.id)).toEqual(['b']);
    expect(live.match('velvet').map((m) => m.id)).toEqual(['e']);
    expect(live.match('satin').map((m) => m.id)).toEqual(['a']);
  });
});

describe('the search blend', () => {
  it('standardizes over the matches, and a constant signal adds nothing', () => {
    expect([...standardize([1, 2, 3])].map((v) => +v.toFixed(4))).toEqual([-1.2247, 0, 1.2247]);
    expect([...standardize([5, 5])]).toEqual([0, 0]);
  });

  it('orders by relevance without weights, and lets the shopper score move items by its weight', () => {
    const relevance = [10, 8, 6];
    const personal = [0, 0, 9];
    const order = (w: number) => {
      const s = blendScores(relevance, personal, undefined, w, 0);
      return [0, 1, 2].sort((a, b) => s[b]! - s[a]!);
    };
    expect([...blendScores(relevance, personal, undefined, 0, 0)]).toEqual([1, 0.8, 0.6]);
    expect(order(0)).toEqual([0, 1, 2]);
    expect(order(0.05)).toEqual([0, 1, 2]);
    expect(order(0.1)).toEqual([0, 2, 1]);
    expect(order(1)).toEqual([2, 0, 1]);
    expect([...blendScores(relevance, undefined, undefined, 1, 0)]).toEqual([1, 0.8, 0.6]); // no history
    expect([...positionRelevance(3)].map((v) => +v.toFixed(3))).toEqual([1, 0.631, 0.5]);
  });
});

describe('protocol queries', () => {
  it('are 1 to 3 distinct title words, no stopwords, reproducible by seed', () => {
    const title = 'The Velvet Matte Lipstick for lips, ruby red 3.5 oz';
    const a = Array.from(
      { length: 50 },
      (
        (rand) => () =>
          queryForTitle(title, rand)
      )(mulberry32(3)),
    );
    const b = Array.from(
      { length: 50 },
      (
        (rand) => () =>
          queryForTitle(title, rand)
      )(mulberry32(3)),
    );
    expect(a).toEqual(b);
    for (const q of a) {
      const words = q!.split(' ');
      expect(words.length).toBeGreaterThanOrEqual(1);
      expect(words.length).toBeLessThanOrEqual(3);
      expect(new Set(words).size).toBe(words.length);
      for (const w of words) expect(['velvet', 'matte', 'lipstick', 'lips', 'ruby', 'red']).toContain(w);
    }
    expect(new Set(a.map((q) => q!.split(' ').length))).toEqual(new Set([1, 2, 3]));
    expect(queryForTitle('3.5 oz', mulberry32(1))).toBe(undefined);
  });
});
