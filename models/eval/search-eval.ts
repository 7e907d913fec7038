import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../data/leave-one-out.js';
import { mulberry32 } from '../data/rng.js';
import type { CatalogIndex } from '../search/catalog-index.js';
import { blendScores, positionRelevance, type SearchBlend } from '../search/search-blend.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { metricsFromRanks, type Metrics } from './metrics.js';
import { scoreHistories } from './sasrec-scorer.js';

/** Words too common to be what a shopper searches for. */
const STOPWORDS = new Set('a an and the of for with in on by to or from is oz ml fl pack set new x'.split(' '));

/** Results a shop's own engine would hand to `rerank()` in the protocol: its first page or so. */
export const SHOP_LIST = 50;

/**
 * A shopper's query for a product, as personalized product search protocols build them from
 * Amazon data (Ai et al., SIGIR 2017): 1 to 3 distinct words of its title, drawn at random, in
 * title order. Undefined when the title has no usable word.
 */
export function queryForTitle(title: string, rand: () => number): string | undefined {
  const words = [...new Set(title.toLowerCase().match(/\p{L}{2,}/gu) ?? [])].filter((w) => !STOPWORDS.has(w));
  if (words.length === 0) return undefined;
  const count = Math.min(words.length, 1 + Math.floor(rand() * 3));
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(rand() * words.length));
  return [...picked]
    .sort((a, b) => a - b)
    .map((i) => words[i]!)
    .join(' ');
}

/** The rows the protocol ranks: each model row's catalog id, title and popularity (row 0 is padding). */
export interface SearchRows {
  idOf: readonly string[];
  titles: readonly (string | undefined)[];
  popularity: ArrayLike<number>;
}

/** SearchRows of a model's rows from its catalog. */
export function searchRows(
  itemIds: readonly string[],
  catalog: readonly { id: string; title?: string; popularity?: number }[],
): SearchRows {
  const byId = new Map(catalog.map((item) => [item.id, item]));
  return {
    idOf: ['', ...itemIds],
    titles: [undefined, ...itemIds.map((id) => byId.get(id)?.title)],
    popularity: Float64Array.from([0, ...itemIds.map((id) => byId.get(id)?.popularity ?? 0)]),
  };
}

/** What the search protocol measures on one set of users. */
export interface SearchReport {
  users: number;
  /** Users whose target matched their query at all (the rest are misses for every method). */
  matched: number;
  /** Mean number of matches per query. */
  meanMatches: number;
  lexical: Metrics;
  popularity: Metrics;
  /** One per blend asked for, in order. */
  personalized: Metrics[];
  /** `rerank()` of the first SHOP_LIST lexical matches: the shop's order, then reranked per blend. */
  shopOrder: Metrics;
  reranked: Metrics[];
}

/** 0-based rank of entry `t` by `scores` (ties against it). */
function rankIn(scores: ArrayLike<number>, t: number): number {
  let rank = 0;
  for (let i = 0; i < scores.length; i++) if (i !== t && scores[i]! >= scores[t]!) rank += 1;
  return rank;
}

/**
 * The personalized search protocol: each case's query is made from its target's title; the
 * candidates are the lexical matches (the history excluded, the target kept), ranked by lexical
 * relevance alone, by popularity, and by each blend with the shopper's model score.
 * @param idOf catalog id of each model row (`idOf[row]`); @param titles title of each row
 * @param popularity catalog popularity of each row
 */
export async function searchEval(
  encoder: SasrecEncoder,
  index: CatalogIndex,
  rows: SearchRows,
  cases: readonly EvalCase[],
  blends: readonly SearchBlend[],
  seed = 1,
): Promise<SearchReport> {
  const { vocabSize } = encoder.cfg;
  const rowOf = new Map(rows.idOf.map((id, row) => [id, row]));
  const rand = mulberry32(seed);
  const usable = cases.flatMap((c) => {
    const query = c.target > 0 ? queryForTitle(rows.titles[c.target] ?? '', rand) : undefined;
    return query ? [{ ...c, query }] : [];
  });
  const lexical = new Int32Array(usable.length).fill(0x7fffffff);
  const popular = new Int32Array(usable.length).fill(0x7fffffff);
  const personal = blends.map(() => new Int32Array(usable.length).fill(0x7fffffff));
  const shop = new Int32Array(usable.length).fill(0x7fffffff);
  const reranked = blends.map(() => new Int32Array(usable.length).fill(0x7fffffff));
  let matched = 0;
  let matches = 0;
  const tableT = tf.tidy(() => tf.transpose(encoder.itemTable()));
  for (let start = 0; start < usable.length; start += 256) {
    const batch = usable.slice(start, start + 256);
    const histories = batch.map((c) => c.history.filter((row) => row > 0 && row < vocabSize));
    const flat = await scoreHistories(encoder, histories, tableT);
    batch.forEach((c, b) => {
      const i = start + b;
      const excluded = new Set(c.history);
      excluded.delete(c.target);
      const hits = index.match(c.query).flatMap((m) => {
        const row = rowOf.get(m.id);
        return row !== undefined && !excluded.has(row) ? [{ row, score: m.score }] : [];
      });
      matches += hits.length;
      const t = hits.findIndex((h) => h.row === c.target);
      if (t < 0) return;
      matched += 1;
      const rel = hits.map((h) => h.score);
      const model = hits.map((h) => flat[b * vocabSize + h.row]!);
      const pop = hits.map((h) => rows.popularity[h.row]!);
      lexical[i] = rankIn(rel, t);
      popular[i] = rankIn(pop, t);
      blends.forEach((w, j) => (personal[j]![i] = rankIn(blendScores(rel, model, pop, w.personal, w.popularity), t)));
      if (t < SHOP_LIST) {
        const listed = Math.min(SHOP_LIST, hits.length);
        shop[i] = t;
        const position = positionRelevance(listed);
        const listModel = model.slice(0, listed);
        blends.forEach(
          (w, j) => (reranked[j]![i] = rankIn(blendScores(position, listModel, undefined, w.rerank, 0), t)),
        );
      }
    });
  }
  tableT.dispose();
  return {
    users: usable.length,
    matched,
    meanMatches: matches / Math.max(1, usable.length),
    lexical: metricsFromRanks(lexical),
    popularity: metricsFromRanks(popular),
    personalized: personal.map(metricsFromRanks),
    shopOrder: metricsFromRanks(shop),
    reranked: reranked.map(metricsFromRanks),
  };
}
