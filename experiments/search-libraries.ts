/**
 * npx tsx experiments/search-libraries.ts: the full-text libraries made for the browser, on the
 * shipped 12,101-item catalog, side by side: build time, heap, serialized size, query latency and
 * whether a product is found from 1-3 of its title words (exactly, with two letters swapped in
 * the first word, or with the last word cut short). Writes experiments/results/search-libraries.json.
 * Why MiniSearch ships: experiments/NOTES.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { brotliCompressSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import FlexSearch from 'flexsearch';
import MiniSearch from 'minisearch';
import { mulberry32 } from '../models/data/rng.js';

interface Doc {
  id: string;
  title: string;
  brand: string;
  category: string;
}
interface Library {
  name: string;
  /** The npm package, for its minified bundle size. */
  pkg: string;
  build(docs: Doc[]): Promise<unknown>;
  query(index: unknown, q: string): Promise<string[]> | string[];
  serialize?(index: unknown): Promise<number> | number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const items = (
  JSON.parse(await readFile('models/beauty/catalog.json', 'utf8')) as {
    items: (Doc & { category?: string | string[] })[];
  }
).items;
const docs: Doc[] = items.map((it) => ({
  id: it.id,
  title: it.title ?? '',
  brand: it.brand ?? '',
  category: [it.category ?? []].flat().join(' '),
}));
const rand = mulberry32(1);
const kinds = ['exact', 'typo', 'prefix'] as const;
const queries: { q: string; target: string; kind: (typeof kinds)[number] }[] = [];
while (queries.length < 600) {
  const doc = docs[Math.floor(rand() * docs.length)]!;
  const words = doc.title
    .toLowerCase()
    .split(/\W+/)
    .filter((w) => w.length > 3);
  if (words.length === 0) continue;
  const picked = words.slice(0, 1 + Math.floor(rand() * Math.min(3, words.length)));
  const kind = kinds[queries.length % 3]!;
  if (kind === 'typo') {
    const w = picked[0]!;
    const at = 1 + Math.floor(rand() * (w.length - 2));
    picked[0] = w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2);
  }
  if (kind === 'prefix') picked[picked.length - 1] = picked.at(-1)!.slice(0, Math.max(3, picked.at(-1)!.length - 2));
  queries.push({ q: picked.join(' '), target: doc.id, kind });
}

const libraries: Library[] = [
  {
    name: 'minisearch',
    pkg: 'minisearch',
    async build(all) {
      const index = new MiniSearch<Doc>({
        fields: ['title', 'brand', 'category'],
        storeFields: [],
        searchOptions: { fuzzy: (t) => (t.length >= 4 ? 0.2 : false), prefix: (_t, i, ts) => i === ts.length - 1 },
      });
      index.addAll(all);
      return index;
    },
    query(index, q) {
      const m = index as MiniSearch<Doc>;
      let hits = m.search(q, { combineWith: 'AND' });
      if (hits.length === 0) hits = m.search(q, { combineWith: 'OR' });
      return hits.map((h) => String(h.id));
    },
    serialize: (index) => JSON.stringify(index).length,
  },
  {
    name: 'flexsearch',
    pkg: 'flexsearch',
    async build(all) {
      const index = new FlexSearch.Document({
        tokenize: 'forward',
        encoder: 'LatinBalance',
        document: { id: 'id', index: ['title', 'brand', 'category'] },
      } as never);
      for (const doc of all) index.add(doc as never);
      return index;
    },
    query(index, q) {
      const hits = (index as { search(q: string, o: object): unknown[] }).search(q, {
        limit: 50,
        suggest: true,
        merge: true,
      });
      return hits.map((h) => String((h as { id?: string }).id ?? h));
    },
    async serialize(index) {
      let size = 0;
      await (index as { export(f: (k: string, v?: string) => void): Promise<void> }).export(
        (k, v) => (size += k.length + (v?.length ?? 0)),
      );
      return size;
    },
  },
  {
    name: 'orama',
    pkg: '@orama/orama',
    async build(all) {
      const db = create({ schema: { id: 'string', title: 'string', brand: 'string', category: 'string' } as const });
      await insertMultiple(db, all);
      return db;
    },
    async query(index, q) {
      const search = oramaSearch as (db: unknown, params: object) => Promise<unknown>;
      const result = await search(index, {
        term: q,
        properties: ['title', 'brand', 'category'],
        tolerance: 1,
        limit: 50,
      });
      return (result as { hits: { document: Doc }[] }).hits.map((h) => h.document.id);
    },
  },
];

/** The library bundled alone, minified, as a page would ship it: raw and brotli bytes. */
async function bundleBytes(pkg: string): Promise<{ raw: number; brotli: number }> {
  const out = await esbuild({
    stdin: { contents: `import * as lib from '${pkg}'; globalThis.lib = lib;`, resolveDir: process.cwd() },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
  });
  const code = out.outputFiles[0]!.contents;
  return { raw: code.byteLength, brotli: brotliCompressSync(code).byteLength };
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
const results: Record<string, unknown>[] = [];
for (const lib of libraries) {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const index = await lib.build(docs);
  const buildMs = performance.now() - started;
  gc();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;
  for (const { q } of queries.slice(0, 50)) await lib.query(index, q);
  const times: number[] = [];
  const found = { exact: 0, typo: 0, prefix: 0 };
  for (const { q, target, kind } of queries) {
    const t = performance.now();
    const ids = await lib.query(index, q);
    times.push(performance.now() - t);
    if (ids.slice(0, 50).includes(target)) found[kind] += 1;
  }
  const row = {
    library: lib.name,
    build_ms: Math.round(buildMs),
    heap_mb: +(heapBytes / 1e6).toFixed(1),
    bundle_kb: await bundleBytes(lib.pkg).then((b) => ({
      raw: +(b.raw / 1024).toFixed(1),
      brotli: +(b.brotli / 1024).toFixed(1),
    })),
    serialized_mb: lib.serialize ? +((await lib.serialize(index)) / 1e6).toFixed(2) : null,
    query_p50_ms: +quantile(times, 0.5).toFixed(3),
    query_p95_ms: +quantile(times, 0.95).toFixed(3),
    ...Object.fromEntries(kinds.map((k) => [`found_in_top50_${k}`, +(found[k] / (queries.length / 3)).toFixed(3)])),
  };
  results.push(row);
  console.log(JSON.stringify(row));
}
await writeFile(
  'experiments/results/search-libraries.json',
  `${JSON.stringify({ items: docs.length, queries: queries.length, results }, null, 2)}\n`,
);
