import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CatalogIndex } from '../models/search/catalog-index.js';

/**
 * Heap the search index of the shipped catalog takes, measured in Node (the same V8 as Chromium's
 * worker, the same library and options): heap after a full GC with the index, minus without.
 */
export async function measureSearchIndex(): Promise<{ heapBytes: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const items = (JSON.parse(await readFile('models/beauty/catalog.json', 'utf8')) as { items: { id: string }[] }).items;
  gc();
  const before = process.memoryUsage().heapUsed;
  const index = new CatalogIndex(items);
  gc();
  const heapBytes = process.memoryUsage().heapUsed - before;
  if (index.size !== items.length) throw new Error('the index lost items');
  return { heapBytes };
}
