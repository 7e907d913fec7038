import { describe, expect, it } from 'vitest';
import { firstList } from '../../models/catalog/first-list.js';

describe('the first list', () => {
  it('holds the most popular in-stock items in trending order, with display fields only', () => {
    const catalog = [
      { id: 'a', popularity: 5, title: 'A', attributes: { tags: ['1'] } },
      { id: 'b', popularity: 9, title: 'B', brand: 'Brand', inStock: false },
      { id: 'c', popularity: 7, title: 'C', price: { amount: 3, currency: 'EUR' } },
      { id: 'd', popularity: 5, url: 'https://shop.example/d' },
      { id: 'e', sourceId: '5' },
    ];
    const { items } = firstList(catalog, 3);
    expect(items).toEqual([
      { id: 'c', popularity: 7, title: 'C', price: { amount: 3, currency: 'EUR' } },
      { id: 'a', popularity: 5, title: 'A' }, // ties keep the catalog's order, as the engine's trending does
      { id: 'd', popularity: 5, url: 'https://shop.example/d' },
    ]);
    expect(firstList(catalog).items.map((i) => i.id)).toEqual(['c', 'a', 'd', 'e']);
  });
});
