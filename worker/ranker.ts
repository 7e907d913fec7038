import { PocketrankError } from '../contract/pocketrank-error.js';
import type { CatalogItem, Recommendation, RecommendQuery } from '../contract/types.js';
import { baseBias, encodeHistory, isBlocked, queryBias } from './candidate-bias.js';
import { itemDisplay, titledReason } from '../contract/item-display.js';
import { ItemRows } from './item-rows.js';
import { diversify } from '../models/rank/diversify.js';
import type { LoadedModel } from './load-model.js';
import type { ShopperState } from './shopper-state.js';
import { ModelScorer, type Scored } from './model-scorer.js';

/**
 * Builds every scenario's list for a shopper: which items may appear (stock, filters, the
 * shopper's own items, pins and boosts), scored by the model (ModelScorer) or by a list.
 */
export class Ranker {
  /** Which item is which row, new products' included. */
  private readonly rows: ItemRows;
  private base: Float32Array;
  private readonly byPopularity: number[];
  /** Every attribute name some catalog item has: what a filter may name. */
  private readonly attributeKeys = new Set<string>();
  private readonly scorer: ModelScorer;

  /** @param loaded the checked model; @param catalog the shop's items (unknown ones are not rankable) */
  constructor(
    private readonly loaded: LoadedModel,
    catalog: readonly CatalogItem[],
  ) {
    // Products the model has no row for (added after training) get one from their content.
    this.rows = new ItemRows(loaded, catalog);
    this.base = baseBias(this.rows.size, this.rows.items);
    for (const item of this.rows.items.values())
      for (const key of Object.keys(item.attributes ?? {})) this.attributeKeys.add(key);
    this.byPopularity = [...this.rows.items.keys()].sort(
      (a, b) => (this.rows.items.get(b)!.popularity ?? 0) - (this.rows.items.get(a)!.popularity ?? 0),
    );
    this.scorer = new ModelScorer(loaded, this.rows);
  }

  /** The items as the ranker has them now (stock changes included): what a catalog update merges into. */
  catalogItems(): CatalogItem[] {
    return [...this.rows.items.values()];
  }

  /** Rereads the item table and forgets cached states: call after the weights change. */
  refresh(): void {
    this.scorer.refresh();
  }

  /** Table rows of the known items of a history, oldest first. */
  rowsOf(history: readonly string[]): number[] {
    return encodeHistory(history, this.rows.modelRowOf, this.loaded.maxLen).rows;
  }

  /** The catalog item of an id, when the ranker has it (stock changes included). */
  item(id: string): CatalogItem | undefined {
    return this.rows.items.get(this.rows.rowOf.get(id) ?? -1);
  }

  /**
   * The model's score of every row for the shopper's history, the new-product offset applied,
   * by id through scoreOf(); undefined with no history (nothing to personalize on).
   */
  async shopperScores(shopper: ShopperState): Promise<((id: string) => number | undefined) | undefined> {
    const historyRows = this.rowsOf(shopper.itemIds);
    if (historyRows.length === 0) return undefined;
    const values = await this.scorer.allScores(historyRows);
    return (id) => {
      const row = this.rows.rowOf.get(id);
      return row === undefined ? undefined : values[row]!;
    };
  }

  /** For each id, the history event that raised its score most (see explainByOcclusion). */
  because(shopper: ShopperState, ids: readonly string[]): { itemId: string; type: string }[] {
    const historyRows = this.rowsOf(shopper.itemIds);
    const found = this.scorer.explain(
      historyRows,
      ids.map((id) => this.rows.rowOf.get(id)!),
    );
    const typeOf = new Map(shopper.history.map((h) => [h.itemId, h.type]));
    return found.map((row) => {
      const itemId = this.rows.idOf(row);
      return { itemId, type: typeOf.get(itemId) ?? 'view' };
    });
  }

  /** Catalog items the model can score. */
  get rankable(): number {
    return this.rows.items.size;
  }

  /**
   * Marks items in or out of stock; out-of-stock items are never recommended.
   * @throws PocketrankError `invalid_argument` naming ids that are not in the catalog (nothing changes then).
   */
  setStock(updates: Readonly<Record<string, boolean>>): void {
    this.requireKnown(Object.keys(updates), 'setStock');
    for (const [id, inStock] of Object.entries(updates))
      this.rows.items.get(this.rows.rowOf.get(id)!)!.inStock = inStock;
    this.base = baseBias(this.rows.size, this.rows.items);
  }

  /** Whether a catalog item has this id. */
  knows(id: string): boolean {
    return this.item(id) !== undefined;
  }

  /**
   * Throws `invalid_argument` naming the ids no catalog item has: a query that names one asks
   * for a list it cannot mean (tracked events may name them: the catalog can lag the shop).
   */
  private requireKnown(ids: readonly string[], what: string): void {
    const unknown = ids.filter((id) => !this.knows(id));
    if (unknown.length > 0)
      throw new PocketrankError(
        'invalid_argument',
        `${what}: not in the catalog: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`,
      );
  }

  /**
   * Throws `invalid_argument` for a filter on an attribute no catalog item has: it would match
   * nothing, which is a mistake, not an answer.
   */
  checkFilter(filter: RecommendQuery['filter']): void {
    const unknownFields = Object.keys(filter ?? {}).filter((key) => !this.attributeKeys.has(key));
    if (unknownFields.length > 0)
      throw new PocketrankError(
        'invalid_argument',
        `filter: no catalog item has the attribute ${unknownFields.join(', ')}; attributes: ${[...this.attributeKeys].join(', ')}`,
      );
  }

  /** The list a query asks for, with the business rules applied and a reason per item. */
  async rank(shopper: ShopperState, query: RecommendQuery): Promise<Recommendation[]> {
    const scenario = query.scenario ?? 'for-you';
    if (query.item !== undefined) this.requireKnown([query.item], 'item');
    this.requireKnown(query.pin ?? [], 'pin');
    this.checkFilter(query.filter);
    const history = shopper.history;
    const rows = (ids: Iterable<string>) => [...ids].flatMap((id) => this.rows.rowOf.get(id) ?? []);
    const anchorIds =
      scenario === 'similar' || scenario === 'bought-together'
        ? query.item !== undefined
          ? [query.item]
          : scenario === 'bought-together'
            ? history.map((h) => h.itemId).filter((id) => shopper.cart.has(id))
            : []
        : [];
    if (scenario === 'similar' && query.item === undefined)
      throw new PocketrankError('invalid_argument', 'the similar scenario needs an item');
    const anchors = [...new Set(rows(anchorIds))];
    const historyRows = this.rowsOf(shopper.itemIds);
    const bias = queryBias(this.base, query, this.rows.rowOf, this.rows.items, {
      seen: rows(shopper.itemIds),
      cart: rows(shopper.cart),
      purchased: rows(shopper.purchased),
      anchors,
    });
    const pins = [...new Set(rows(query.pin ?? []))].filter((row) => !isBlocked(bias[row]!)).slice(0, query.k);
    for (const row of pins) bias[row] = -Infinity; // kept out of the ranked part; they are placed first
    // With diversity, a pool of the most relevant items is ranked, then re-ranked for variety.
    const diversity = query.diversity ?? 0;
    const wanted = query.k - pins.length;
    const want = wanted === 0 || diversity === 0 ? wanted : Math.min(1000, Math.max(wanted * 5, 50));
    let ranked: Scored[];
    if (want === 0) ranked = [];
    else if (scenario === 'recently-viewed')
      ranked = this.fromList(rows(shopper.recentViews), bias, want, (row, i) => ({
        row,
        score: -i,
        reason: { kind: 'recent' },
      }));
    else if (scenario === 'similar' && anchors.length > 0)
      ranked = await this.scorer.similar(anchors[0]!, bias, want, () => ({
        kind: 'similar',
        because: { itemId: query.item!, type: 'view' },
      }));
    else if (scenario === 'bought-together' && anchors.some((row) => !this.rows.isNew(row))) {
      const because = {
        itemId: this.rows.idOf(anchors.at(-1)!),
        type: query.item !== undefined ? 'view' : 'add_to_cart',
      };
      const trained = anchors.filter((row) => !this.rows.isNew(row));
      ranked = await this.scorer.afterHistory(trained, bias, want, () => ({ kind: 'cart', because }));
    } else if (scenario === 'for-you' && historyRows.length > 0)
      ranked = await this.scorer.afterHistory(historyRows, bias, want, () => ({ kind: 'history' }));
    // Trending, and the cold-start fallback of every other scenario: the catalog's popularity.
    else
      ranked = this.fromList(this.byPopularity, bias, want, (row) => ({
        row,
        score: (this.rows.items.get(row)!.popularity ?? 0) + bias[row]!,
        reason: { kind: 'trending' },
      }));
    if (diversity > 0 && ranked.length > wanted) ranked = await this.diverse(ranked, wanted, diversity);
    // Explained once the list is final: the occlusion contrasts an item with the rest of the list shown.
    if (query.explain && ranked[0]?.reason.kind === 'history') {
      const because = this.because(
        shopper,
        ranked.map((r) => this.rows.idOf(r.row)),
      );
      ranked.forEach((r, i) => (r.reason = { kind: 'history', because: because[i]! }));
    }
    const pinned: Scored[] = pins.map((row) => ({ row, score: Infinity, reason: { kind: 'pinned' } }));
    const titleOf = (id: string) => this.item(id)?.title;
    return [...pinned, ...ranked].map(({ row, score, reason }) => ({
      itemId: this.rows.idOf(row),
      score,
      // A product the model never saw is ranked from its content: its reason says it is new.
      reason: titledReason(
        this.rows.isNew(row) && reason.kind !== 'pinned' && reason.kind !== 'recent'
          ? { kind: 'new', ...(reason.kind !== 'history' && reason.because && { because: reason.because }) }
          : reason,
        titleOf,
      ),
      ...itemDisplay(this.rows.items.get(row)),
    }));
  }

  private async diverse(ranked: Scored[], k: number, diversity: number): Promise<Scored[]> {
    const order = diversify(
      ranked.map((r) => r.row),
      ranked.map((r) => r.score),
      k,
      diversity,
      await this.scorer.unitRows(),
      this.loaded.encoder.cfg.hidden,
    );
    return order.map((i) => ranked[i]!);
  }

  /** A ranking given by a list (popularity, recency): the first `want` rows that pass the rules, boosts applied. */
  private fromList(
    list: readonly number[],
    bias: Float32Array,
    want: number,
    score: (row: number, i: number) => Scored,
  ): Scored[] {
    const kept = list.filter((row) => this.rows.items.has(row) && !isBlocked(bias[row]!));
    const scored = kept.map((row, i) => score(row, i));
    // Boosts move items within the list; a list scenario has no model score to add them to.
    if (scored.some((s) => bias[s.row] !== 0)) scored.sort((a, b) => b.score + bias[b.row]! - (a.score + bias[a.row]!));
    return scored.slice(0, want);
  }

  /** Frees the tensors this ranker owns (not the model). */
  dispose(): void {
    this.scorer.dispose();
  }
}
