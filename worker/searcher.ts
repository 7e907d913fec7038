import type { CatalogItem } from '../contract/types.js';
import type { RerankedItem, SearchHit, SearchOptions } from '../contract/search-types.js';
import { CatalogIndex } from '../models/search/catalog-index.js';
import { blendScores, NO_BLEND, positionRelevance, type SearchBlend } from '../models/search/search-blend.js';
import { matchesFilter } from './candidate-bias.js';
import { itemDisplay, titledReason } from '../contract/item-display.js';
import type { Ranker } from './ranker.js';
import type { ShopperState } from './shopper-state.js';

/** Scores with the missing ones (items the model cannot score) at the mean: neutral once standardized. */
function withMean(scores: (number | undefined)[]): number[] {
  const known = scores.filter((s): s is number => s !== undefined);
  const mean = known.reduce((a, b) => a + b, 0) / Math.max(1, known.length);
  return scores.map((s) => s ?? mean);
}

/** Ranks in `scores`, best first (stable: ties keep the given order). */
const order = (scores: ArrayLike<number>) =>
  Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);

/**
 * Search and rerank on the device: the catalog's full-text index (built in the background after
 * start-up, in chunks, so a first list does not wait for it), blended with the shopper's model
 * scores as the model's metadata says.
 */
export class Searcher {
  private index: Promise<CatalogIndex>;
  private readonly blend: SearchBlend;
  private startBuild!: () => void;
  /** Set once the index is built. */
  built: { items: number; buildMs: number } | undefined;
  /** Every catalog item, rankable by the model or not: a product the model cannot score can still be found. */
  private readonly items: Map<string, CatalogItem>;

  /**
   * @param startAfterMs the build waits this long after start-up (the page asks for its first
   * lists then), or until the first search, whichever comes first
   */
  constructor(catalog: readonly CatalogItem[], blend: SearchBlend | undefined, startAfterMs = 250) {
    this.blend = blend ?? NO_BLEND;
    this.items = new Map(catalog.map((item) => [item.id, item]));
    const start = new Promise<void>((resolve) => (this.startBuild = resolve));
    const timer = setTimeout(() => this.startBuild(), startAfterMs);
    this.index = start.then(async () => {
      clearTimeout(timer);
      const started = performance.now();
      // Chunks of 250 items (a few ms each): a call arriving meanwhile waits one chunk.
      const index = await CatalogIndex.build(catalog, 250);
      this.built = { items: index.size, buildMs: Math.round(performance.now() - started) };
      return index;
    });
  }

  /** The index, once built (starting the build now if it has not started). */
  private ready(): Promise<CatalogIndex> {
    this.startBuild();
    return this.index;
  }

  /** Resolves once the index is built (starting the build now if it has not started). */
  async whenBuilt(): Promise<void> {
    await this.ready();
  }

  /** Adds or replaces items in the index (after the build, if it is still running). */
  upsert(items: readonly CatalogItem[]): Promise<void> {
    this.startBuild();
    for (const item of items) this.items.set(item.id, item);
    this.index = this.index.then((index) => (index.upsert(items), index));
    return this.index.then(() => undefined);
  }

  /** The item as the ranker has it (stock set at run time), else as the catalog has it. */
  private item(ranker: Ranker, id: string): CatalogItem | undefined {
    return ranker.item(id) ?? this.items.get(id);
  }

  /** The catalog's matches for the query, sellable ones only, ordered for this shopper. */
  async search(
    ranker: Ranker,
    shopper: ShopperState,
    query: string,
    options: Required<Omit<SearchOptions, 'filter' | 'record'>> & Pick<SearchOptions, 'filter'>,
  ): Promise<SearchHit[]> {
    // Stock and filter apply before the match cap: a filtered query still gets all it matches.
    const matches = (await this.ready()).match(query, undefined, (id) => {
      const item = this.item(ranker, id);
      return item !== undefined && item.inStock !== false && (!options.filter || matchesFilter(item, options.filter));
    });
    const lexical = matches.map((m) => m.score);
    const popularity = matches.map((m) => this.item(ranker, m.id)!.popularity ?? 0);
    const scoreOf = options.personalize ? await ranker.shopperScores(shopper) : undefined;
    const personal = scoreOf && withMean(matches.map((m) => scoreOf(m.id)));
    const { personal: wp, popularity: wq } = this.blend;
    const plain = blendScores(lexical, undefined, popularity, 0, wq);
    const blended = personal ? blendScores(lexical, personal, popularity, wp, wq) : plain;
    const shown = order(blended).slice(0, options.k);
    const reasons = this.moved(ranker, shopper, shown, order(plain), (i) => matches[i]!.id, options.explain);
    return shown.map((i, rank) => ({
      itemId: matches[i]!.id,
      score: blended[i]!,
      match: matches[i]!.fields,
      ...(reasons[rank] && { reason: reasons[rank] }),
      ...itemDisplay(this.item(ranker, matches[i]!.id)),
    }));
  }

  /**
   * The shop's results re-ordered for this shopper: its order as relevance, blended with the
   * model's score; ids the catalog does not have stay, after the rest, in their order.
   */
  async rerank(
    ranker: Ranker,
    shopper: ShopperState,
    itemIds: readonly string[],
    explain: boolean,
  ): Promise<RerankedItem[]> {
    const known = itemIds.filter((id) => this.item(ranker, id));
    const unknown = itemIds.filter((id) => !this.item(ranker, id));
    const scoreOf = await ranker.shopperScores(shopper);
    const position = positionRelevance(known.length);
    const personal = scoreOf && withMean(known.map((id) => scoreOf(id)));
    const blended = blendScores(position, personal, undefined, this.blend.rerank, 0);
    const shown = order(blended);
    const reasons = this.moved(ranker, shopper, shown, order(position), (i) => known[i]!, explain);
    return [
      ...shown.map((i, rank) => ({
        itemId: known[i]!,
        score: blended[i]!,
        ...(reasons[rank] && { reason: reasons[rank] }),
        ...itemDisplay(this.item(ranker, known[i]!)),
      })),
      ...unknown.map((itemId) => ({ itemId, score: null })),
    ];
  }

  /** For each shown entry the history moved up (compared with `before`), a history reason; with `explain`, naming the event that raised it. */
  private moved(
    ranker: Ranker,
    shopper: ShopperState,
    shown: readonly number[],
    before: readonly number[],
    idOf: (i: number) => string,
    explain: boolean,
  ): (SearchHit['reason'] | undefined)[] {
    const rankBefore = new Map(before.map((i, rank) => [i, rank]));
    // Only items the model scores can be explained by it (a catalog item it cannot rank is not moved by it).
    const up = shown.flatMap((i, rank) => (rankBefore.get(i)! > rank && ranker.item(idOf(i)) ? [rank] : []));
    if (up.length === 0 || ranker.rowsOf(shopper.itemIds).length === 0) return [];
    const out: (SearchHit['reason'] | undefined)[] = [];
    if (!explain) {
      for (const rank of up) out[rank] = { kind: 'history' };
      return out;
    }
    // Explained against the whole list shown (the occlusion contrasts an item with the rest of it).
    const explainable = shown.map(idOf).filter((id) => ranker.item(id));
    const found = new Map(ranker.because(shopper, explainable).map((b, i) => [explainable[i]!, b]));
    const because = up.map((rank) => found.get(idOf(shown[rank]!))!);
    up.forEach(
      (rank, j) =>
        (out[rank] = titledReason({ kind: 'history', because: because[j]! }, (id) => ranker.item(id)?.title)),
    );
    return out;
  }
}
