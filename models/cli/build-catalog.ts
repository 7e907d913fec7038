/**
 * npm run catalog -- --data <file> --out <model dir> [--datamaps F --attributes F --titles F]
 * Rebuilds a model's catalog.json from its data file and the metadata beside it (ids, attribute
 * tags, training popularity, titles and the brands they start with) without retraining: what
 * `npm run train` writes, for a titles file that arrived later or changed. Writes top.json (the
 * first list) beside it too.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { buildCatalog, catalogFiles } from '../catalog/build-catalog.js';
import { FIRST_LIST_FILE, firstList } from '../catalog/first-list.js';
import { loadInteractions } from '../data/interactions.js';
import { readItemIds } from '../sasrec/load-model-dir.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), {
  data: 'string',
  out: 'string',
  datamaps: 'string',
  attributes: 'string',
  titles: 'string',
});
if (typeof args.data !== 'string' || typeof args.out !== 'string') {
  console.error('usage: npm run catalog -- --data <file> --out <model dir> [--datamaps F --attributes F --titles F]');
  process.exit(2);
}
const data = await loadInteractions(args.data);
const files = await catalogFiles(args.data, args);
// Popularity counts the training part of each sequence, as `npm run train` does.
const train = data.sequences.map((s) => (s.length >= 3 ? s.slice(0, -2) : s));
const catalog = await buildCatalog(data.itemIds, train, files);
const modelJson = join(args.out, 'model.json');
const model = JSON.parse(await readFile(modelJson, 'utf8')) as {
  userDefinedMetadata?: { pocketrank?: Record<string, unknown> };
};
const block = model.userDefinedMetadata?.pocketrank;
const modelIds = new Set(block ? ((await readItemIds(modelJson, block)) ?? []) : []);
const missing = catalog.filter((item) => modelIds.size > 0 && !modelIds.has(item.id)).length;
const text = JSON.stringify({ items: catalog });
await writeFile(join(args.out, 'catalog.json'), text);
// The first list, served before the model arrives (see models/catalog/first-list.ts).
await writeFile(join(args.out, FIRST_LIST_FILE), JSON.stringify(firstList(catalog)));
const titled = catalog.filter((item) => item.title).length;
const branded = catalog.filter((item) => item.brand).length;
console.error(
  `catalog: ${catalog.length} items, ${titled} with titles, ${branded} with brands, ${missing} not in the model; ` +
    `${(text.length / 1024).toFixed(0)} KB raw, ${(brotliCompressSync(text).length / 1024).toFixed(0)} KB brotli -> ${join(args.out, 'catalog.json')}`,
);
