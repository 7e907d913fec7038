/**
 * npm run eval -- --model <dir> --data <file> [--datamaps F] [--dump-topk <file>] [--json <file>]
 * Leave-one-out full ranking on the data's last items: the model beside the popularity and
 * item-KNN baselines on the same split, HR and NDCG at 5/10/20 in one table; then the lists as
 * a widget shows them (top 10, the model also at a few `diversity` settings): HR/NDCG@10, catalog
 * coverage@10 and intra-list diversity@10 in the model's item-embedding space.
 * --cold: the cold-item protocol (models/eval/cold-items.ts). --search: the personalized search
 * protocol (models/eval/search-eval.ts) with the model's shipped blend.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { shopIdsBeside } from '../catalog/build-catalog.js';
import { loadInteractions } from '../data/interactions.js';
import { evalCases, leaveOneOut } from '../data/leave-one-out.js';
import { itemKnnScorer, popularityScorer } from '../eval/baselines.js';
import { evaluate, type Scorer } from '../eval/evaluate.js';
import { ContentEncoder, fromFloat16Bits } from '../content/content-encoder.js';
import type { ItemContent } from '../content/content-features.js';
import { coldItemEval, type ColdItemReport } from '../eval/cold-items.js';
import { searchEval, searchRows, SHOP_LIST, type SearchReport } from '../eval/search-eval.js';
import { CatalogIndex, type SearchableItem } from '../search/catalog-index.js';
import { NO_BLEND, type SearchBlend } from '../search/search-blend.js';
import { LIST_K, listMetrics } from '../eval/list-metrics.js';
import { CUTOFFS, type Metrics } from '../eval/metrics.js';
import { diversify } from '../rank/diversify.js';
import { unitRows } from '../rank/unit-rows.js';
import { sasrecScorer } from '../eval/sasrec-scorer.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { parseModelMetadata } from '../sasrec/model-metadata.js';
import { findEncoder } from '../sasrec/sasrec-encoder.js';
import { ProgressBar } from '../train/progress-bar.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), {
  model: 'string',
  data: 'string',
  'dump-topk': 'string',
  json: 'string',
  cold: 'boolean',
  search: 'boolean',
  datamaps: 'string',
});
if (typeof args.model !== 'string' || typeof args.data !== 'string') {
  console.error(
    'usage: npm run eval -- --model <dir> --data <file> [--dump-topk <file>] [--json <file>] [--cold] [--search]',
  );
  process.exit(2);
}
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const modelJson = args.model.endsWith('.json') ? args.model : join(args.model, 'model.json');
const model = await loadModelFromDisk(modelJson);
const encoder = findEncoder(model);
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (!encoder || typeof meta === 'string')
  throw new Error(`${modelJson} is not a pocketrank model${typeof meta === 'string' ? `: ${meta}` : ''}`);

// The model's rows are shop ids (ASINs); the datamaps file beside the data maps the data's ids to them.
const catalogPath = join(modelJson, '..', 'catalog.json');
const catalog = JSON.parse(await readFile(catalogPath, 'utf8').catch(() => '{"items":[]}')) as {
  items: { id: string; popularity?: number }[];
};
const shopId = await shopIdsBeside(args.data, args);
const rowOfShop = new Map(meta.itemIds.map((id, i) => [id, i + 1]));
const data = await loadInteractions(args.data);
let unknown = 0;
const sequences = data.sequences.map((seq) =>
  seq.map((row) => {
    const mapped = rowOfShop.get(shopId(data.itemIds[row - 1]!));
    if (mapped === undefined) unknown += 1;
    return mapped ?? 0;
  }),
);
if (unknown) console.error(`note: ${unknown} interactions name items the model does not know; they count as misses`);
const splits = leaveOneOut(sequences);
const cases = evalCases(splits, 'test');
const train = splits.map((s) => s.train);
const vocabSize = encoder.cfg.vocabSize;
const scorers: Scorer[] = [
  sasrecScorer(encoder, 'model'),
  popularityScorer(train, vocabSize),
  itemKnnScorer(train, vocabSize),
];

/** Candidates the model's lists are re-ranked from at diversity > 0, as the worker does for k = 10. */
const DIVERSITY_POOL = 50;
const DIVERSITY = [0, 0.25, 0.5];

const results: Record<string, Metrics> = {};
const lists: Record<string, Metrics> = {};
const dim = encoder.cfg.hidden;
const unit = unitRows((await encoder.itemTable().data()) as Float32Array, dim);
const targets = cases.map((c) => c.target);
let modelTop: number[][] | undefined;
for (const scorer of scorers) {
  const bar = new ProgressBar(scorer.name.padEnd(10), cases.length);
  const isModel = scorer.name === 'model';
  const out = await evaluate(scorer, cases, {
    keepTop: isModel ? Math.max(DIVERSITY_POOL, args['dump-topk'] ? 20 : 0) : LIST_K,
    onBatch: (n) => bar.update(n),
  });
  bar.done();
  results[scorer.name] = out.metrics;
  if (!isModel) lists[scorer.name] = listMetrics(out.top!, targets, unit, dim, vocabSize - 1);
  else {
    modelTop = out.top!.map((t) => t.slice(0, 20));
    for (const d of DIVERSITY) {
      const shown = out.top!.map((rows, i) =>
        diversify(rows, out.topScores![i]!, LIST_K, d, unit, dim).map((j) => rows[j]!),
      );
      lists[d === 0 ? 'model' : `model d=${d}`] = listMetrics(shown, targets, unit, dim, vocabSize - 1);
    }
  }
}

const columns = CUTOFFS.flatMap((k) => [`HR@${k}`, `NDCG@${k}`]);
console.log(`\nfull ranking over ${vocabSize - 1} items, ${cases.length} test users (${args.data})\n`);
console.log(['method'.padEnd(12), ...columns.map((c) => c.padStart(9))].join(''));
for (const [name, m] of Object.entries(results))
  console.log([name.padEnd(12), ...columns.map((c) => m[c]!.toFixed(4).padStart(9))].join(''));

const listColumns = Object.keys(Object.values(lists)[0]!);
console.log(`\nlists as shown (top ${LIST_K}; diversity re-ranks the model's top ${DIVERSITY_POOL})\n`);
console.log(['method'.padEnd(14), ...listColumns.map((c) => c.padStart(13))].join(''));
for (const [name, m] of Object.entries(lists))
  console.log([name.padEnd(14), ...listColumns.map((c) => m[c]!.toFixed(4).padStart(13))].join(''));

if (args['dump-topk'] && modelTop) {
  // Written in the data's ids, as the published evaluation scripts read them.
  const sourceOf = new Map(data.itemIds.map((sourceId) => [shopId(sourceId), sourceId]));
  const sourceId = (row: number) => sourceOf.get(meta.itemIds[row - 1]!) ?? meta.itemIds[row - 1]!;
  const lines = cases.map((c, i) => `${data.users[c.user]} ${modelTop![i]!.map(sourceId).join(' ')}`);
  await writeFile(args['dump-topk'] as string, `${lines.join('\n')}\n`);
}
// --cold: the catalog's items the model has no row for (held out with `npm run train --cold-items`)
// ranked through the content encoder; see models/eval/cold-items.ts.
let cold: ColdItemReport | undefined;
if (args.cold) {
  if (!meta.content) throw new Error(`${modelJson} ships no content encoder`);
  const bits = new Uint16Array(new Uint8Array(await readFile(join(modelJson, '..', meta.content.file))).buffer);
  const content = ContentEncoder.fromValues(meta.content, Float32Array.from(bits, fromFloat16Bits));
  const modelIds = new Set(meta.itemIds);
  const newItems = (catalog.items as (ItemContent & { id: string })[]).filter((c) => !modelIds.has(c.id));
  const rowOf = new Map(rowOfShop);
  newItems.forEach((item, i) => rowOf.set(item.id, vocabSize + i));
  const coldSequences = data.sequences.map((seq) => seq.map((row) => rowOf.get(shopId(data.itemIds[row - 1]!)) ?? 0));
  const popularity = new Float32Array(vocabSize + newItems.length);
  const popularityOf = new Map(catalog.items.map((c) => [c.id, (c as { popularity?: number }).popularity ?? 0]));
  meta.itemIds.forEach((id, i) => (popularity[i + 1] = popularityOf.get(id) ?? 0));
  newItems.forEach((item, i) => (popularity[vocabSize + i] = popularityOf.get(item.id) ?? 0));
  cold = await coldItemEval(
    encoder,
    content,
    newItems,
    evalCases(leaveOneOut(coldSequences), 'test'),
    popularity,
    meta.content.offset ?? 0,
  );
  console.log(
    `\ncold items: ${cold.coldItems} items the model has no row for; ${cold.coldUsers} test users whose item ` +
      `is one of them; new-product offset ${cold.offset}\n`,
  );
  console.log(['method'.padEnd(22), ...columns.map((c) => c.padStart(9))].join(''));
  for (const [name, m] of Object.entries(cold.cold))
    console.log([`cold: ${name}`.padEnd(22), ...columns.map((c) => m[c]!.toFixed(4).padStart(9))].join(''));
  for (const [name, m] of Object.entries(cold.warm))
    console.log([`warm: ${name}`.padEnd(22), ...columns.map((c) => m[c]!.toFixed(4).padStart(9))].join(''));
}
// --search: queries made from each test item's title, over the catalog's lexical matches.
let search: (SearchReport & { blend: SearchBlend }) | undefined;
if (args.search) {
  const blend = meta.search ?? NO_BLEND;
  const items = catalog.items as (SearchableItem & { popularity?: number })[];
  search = {
    ...(await searchEval(encoder, new CatalogIndex(items), searchRows(meta.itemIds, items), cases, [blend])),
    blend,
  };
  console.log(
    `\nsearch: ${search.users} test queries of 1-3 title words (${search.matched} find their item; ` +
      `${search.meanMatches.toFixed(0)} matches each on average); blend ${JSON.stringify(blend)}\n`,
  );
  console.log(['method'.padEnd(22), ...columns.map((c) => c.padStart(9))].join(''));
  const rowsOut: [string, Metrics][] = [
    ['search: lexical', search.lexical],
    ['search: popularity', search.popularity],
    ['search: personalized', search.personalized[0]!],
    [`rerank: shop top ${SHOP_LIST}`, search.shopOrder],
    ['rerank: personalized', search.reranked[0]!],
  ];
  for (const [name, m] of rowsOut)
    console.log([name.padEnd(22), ...columns.map((c) => m[c]!.toFixed(4).padStart(9))].join(''));
}
if (args.json)
  await writeFile(
    args.json as string,
    JSON.stringify({ ...results, lists, ...(cold && { cold }), ...(search && { search }) }, null, 2),
  );
