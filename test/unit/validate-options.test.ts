import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../contract/parse-catalog.js';
import { validateOptions, validateQuery } from '../../src/validate-options.js';

const model = 'https://shop.example/models/beauty/model.json';

describe('validateOptions', () => {
  it('fills defaults and puts the catalog beside the model', () => {
    expect(validateOptions({ model })).toEqual({
      modelUrl: model,
      catalog: 'https://shop.example/models/beauty/catalog.json',
      backend: 'auto',
      dbName: 'pocketrank',
      wasmPaths: '',
      consent: 'granted',
      retention: { maxAgeMs: 180 * 86_400_000, maxEvents: 5000 },
    });
  });

  it('rejects bad options with invalid_argument', () => {
    for (const bad of [
      { model: '' },
      { model, backend: 'tpu' },
      { model, dbName: '' },
      { model, catalog: [{ id: '' }] },
      { model, flushIntervalMs: -1 },
    ]) {
      expect(() => validateOptions(bad as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

describe('validateQuery', () => {
  it('copies a good query', () => {
    const filter = { brand: ['x', 'y'] };
    const q = validateQuery({ k: 3, exclude: ['a'], filter });
    filter.brand.push('z');
    expect(q).toEqual({
      k: 3,
      scenario: 'for-you',
      exclude: ['a'],
      filter: { brand: ['x', 'y'] },
      explain: false,
      includePurchased: false,
      includeInCart: false,
    });
  });

  it('rejects bad queries', () => {
    for (const bad of [
      { k: 0 },
      { k: 1001 },
      { k: 2.5 },
      { k: 1, exclude: [1] },
      { k: 1, filter: { a: {} } },
      { k: 1, filter: [] },
      { k: 1, exclude: Array.from({ length: 1e6 }, (_, i) => `id-${i}`) },
      { k: 1, pin: Array.from({ length: 1001 }, (_, i) => `id-${i}`) },
      { k: 1, boost: Object.fromEntries(Array.from({ length: 1e5 }, (_, i) => [`id-${i}`, 1])) },
      { k: 1, filter: { tags: Array.from({ length: 1e5 }, (_, i) => `t${i}`) } },
      { k: 1, item: 'x'.repeat(300) },
    ]) {
      expect(() => validateQuery(bad as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

describe('parseCatalog', () => {
  it('accepts both layouts and rejects duplicates and missing ids', () => {
    expect(parseCatalog([{ id: 'a' }], 'x')).toEqual([{ id: 'a' }]);
    expect(parseCatalog({ items: [{ id: 'a', attributes: { b: 1 } }] }, 'x')).toEqual([
      { id: 'a', attributes: { b: 1 } },
    ]);
    expect(() => parseCatalog({ items: [{ id: 'a' }, { id: 'a' }] }, 'x')).toThrow(/appears twice/);
    expect(() => parseCatalog({ items: [{}] }, 'x')).toThrow(expect.objectContaining({ code: 'catalog_load_failed' }));
    expect(() => parseCatalog({}, 'x')).toThrow(expect.objectContaining({ code: 'catalog_load_failed' }));
  });
});
