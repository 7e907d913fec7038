import * as tf from '@tensorflow/tfjs-core';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { CatalogItem, Explanation, Recommendation, RecommendQuery } from '../contract/types.js';
import { baseBias, encodeHistory, isBlocked, queryBias } from './candidate-bias.js';
import { explainByOcclusion } from './explain-ranking.js';
import { itemDisplay, titledReason } from './item-display.js';
import { ItemRows } from './item-rows.js';
import { diversify } from '../models/rank/diversify.js';
import { unitRows } from '../models/rank/unit-rows.js';
import type { LoadedModel } from './load-model.js';
import type { ShopperState } from './shopper-state.js';

type Scored = { row: number; score: number; reason: Explanation };

/**
 * Builds every scenario's list for a shopper. Model scenarios score all catalog items on the
 * backend and keep the top k there; input shapes are fixed on GPU backends (`[1, maxLen]`
 * history, `[vocabSize]` bias) so they reuse compiled programs and buffer pools.
 */
export class Ranker {
  /** Which item is which row, new products' included. */
  private readonly rows: ItemRows;
  private base: Float32Array;
  private readonly byPopularity: number[];
  /** Every attribute name some catalog item has: what a filter may name. */
  private readonly attributeKeys = new Set<string>();
  /** The item table with new products' rows, `[rows, hidden]` (the model's own when there are none). */
  private table: tf.Tensor2D;
  private tableT: tf.Tensor2D;
  private unitT: tf.Tensor2D | undefined;
  private fixedShape: boolean | undefined;
  private cachedUser: { key: string; state: tf.Tensor2D } | undefined;
  /** Unit-length item embeddings on the CPU, for diversity; read once when first asked for. */
  private unitCpu: Float32Array | undefined;

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
    this.table = this.rows.fullTable(loaded.itemTable);
    // Transposed once so each call is a plain [1, d] x [d, V] product.
    this.tableT = tf.keep(tf.transpose(this.table));
  }

  /** The items as the ranker has them now (stock changes included): what a catalog update merges into. */
  catalogItems(): CatalogItem[] {
    return [...this.rows.items.values()];
  }

  /** Rereads the item table and forgets cached states: call after the weights change. */
  refresh(): void {
    this.tableT.dispose();
    if (this.rows.ownsTable) this.table.dispose();
    this.table = this.rows.fullTable(this.loaded.encoder.itemTable());
    this.tableT = tf.keep(tf.transpose(this.table));
    this.unitT?.dispose();
    this.unitT = undefined;
    this.cachedUser?.state.dispose();
    this.cachedUser = undefined;
    this.unitCpu = undefined;
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
    const state = this.userState(historyRows, this.inputLength(historyRows.length));
    const scores = tf.tidy(() => tf.reshape(tf.matMul(state, this.tableT), [-1]));
    const values = (await scores.data()) as Float32Array;
    scores.dispose();
    const offset = this.offsetNew(new Float32Array(values.length));
    return (id) => {
      const row = this.rows.rowOf.get(id);
      return row === undefined ? undefined : values[row]! + offset[row]!;
    };
  }

  /** For each id, the history event that raised its score most (see explainByOcclusion). */
  because(shopper: ShopperState, ids: readonly string[]): { itemId: string; type: string }[] {
    const historyRows = this.rowsOf(shopper.itemIds);
    const rows = ids.map((id) => this.rows.rowOf.get(id)!);
    const length = this.inputLength(historyRows.length);
    const found = explainByOcclusion(this.loaded.encoder, this.table, historyRows, rows, length);
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
    return this.rows.items.has(this.rows.rowOf.get(id) ?? -1);
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

  /** The list a query asks for, with the business rules applied and a reason per item. */
  async rank(shopper: ShopperState, query: RecommendQuery): Promise<Recommendation[]> {
    const scenario = query.scenario ?? 'for-you';
    if (query.item !== undefined) this.requireKnown([query.item], 'item');
    this.requireKnown(query.pin ?? [], 'pin');
    const unknownFields = Object.keys(query.filter ?? {}).filter((key) => !this.attributeKeys.has(key));
    if (unknownFields.length > 0)
      throw new PocketrankError(
        'invalid_argument',
        `filter: no catalog item has the attribute ${unknownFields.join(', ')}; attributes: ${[...this.attributeKeys].join(', ')}`,
      );
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
      ranked = await this.similar(anchors[0]!, bias, want, query.item!);
    else if (scenario === 'bought-together' && anchors.some((row) => !this.rows.isNew(row)))
      ranked = await this.byModel(
        anchors.filter((row) => !this.rows.isNew(row)),
        bias,
        want,
        {
          kind: 'cart',
          because: {
            itemId: this.rows.idOf(anchors[anchors.length - 1]!),
            type: query.item !== undefined ? 'view' : 'add_to_cart',
          },
        },
      );
    else if (scenario === 'for-you' && historyRows.length > 0) ranked = await this.forYou(historyRows, bias, want);
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
    const titleOf = (id: string) => this.rows.items.get(this.rows.rowOf.get(id) ?? -1)?.title;
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
    const dim = this.loaded.encoder.cfg.hidden;
    this.unitCpu ??= unitRows((await this.table.data()) as Float32Array, dim);
    const order = diversify(
      ranked.map((r) => r.row),
      ranked.map((r) => r.score),
      k,
      diversity,
      this.unitCpu,
      dim,
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

  /** Model input length: GPU backends compile a program per shape, so they always get maxLen; CPU and WASM skip the masked padding. */
  private inputLength(rows: number): number {
    this.fixedShape ??= tf.getBackend() === 'webgpu' || tf.getBackend() === 'webgl';
    return this.fixedShape ? this.loaded.maxLen : Math.max(1, Math.min(rows, this.loaded.maxLen));
  }

  private forYou(historyRows: number[], bias: Float32Array, want: number): Promise<Scored[]> {
    const length = this.inputLength(historyRows.length);
    const state = this.userState(historyRows, length);
    return this.topK(state, this.tableT, this.offsetNew(bias), want, () => ({ kind: 'history' }));
  }

  /**
   * The bias with the new-product offset on new rows, for scores of the sequence model: a content
   * row is a guess, so it must beat trained items by a margin (chosen on validation) to be shown.
   */
  private offsetNew(bias: Float32Array): Float32Array {
    const offset = this.rows.newOffset;
    if (offset === 0 || this.rows.size <= this.loaded.encoder.cfg.vocabSize) return bias;
    const out = bias.slice();
    for (let row = this.loaded.encoder.cfg.vocabSize; row < out.length; row++)
      if (!isBlocked(out[row]!)) out[row]! += offset;
    return out;
  }

  private byModel(anchors: number[], bias: Float32Array, want: number, reason: Explanation): Promise<Scored[]> {
    const state = this.userState(anchors, this.inputLength(anchors.length));
    return this.topK(state, this.tableT, this.offsetNew(bias), want, () => reason);
  }

  /** Item-to-item: cosine similarity of the model's item embeddings. */
  private similar(anchor: number, bias: Float32Array, want: number, itemId: string): Promise<Scored[]> {
    this.unitT ??= tf.tidy(() => {
      const table = this.table;
      return tf.keep(tf.transpose(tf.div(table, tf.add(tf.norm(table, 'euclidean', 1, true), 1e-8))) as tf.Tensor2D);
    });
    const query = tf.tidy(() => tf.transpose(tf.slice(this.unitT!, [0, anchor], [-1, 1])) as tf.Tensor2D);
    return this.topK(query, this.unitT, bias, want, () => ({
      kind: 'similar',
      because: { itemId, type: 'view' },
    })).finally(() => query.dispose());
  }

  /** Scores = query x table + bias on the backend; only k values and indices come back. */
  private async topK(
    query: tf.Tensor2D,
    tableT: tf.Tensor2D,
    bias: Float32Array,
    want: number,
    reason: () => Explanation,
  ): Promise<Scored[]> {
    const k = Math.min(want, bias.length);
    const { values, indices } = tf.tidy(() =>
      tf.topk(tf.add(tf.reshape(tf.matMul(query, tableT), [-1]), tf.tensor1d(bias)), k, true),
    );
    try {
      const [scores, rows] = await Promise.all([values.data(), indices.data()]);
      const out: Scored[] = [];
      for (let i = 0; i < k && !isBlocked(scores[i]!); i++)
        out.push({ row: rows[i]!, score: scores[i]!, reason: reason() });
      return out;
    } finally {
      values.dispose();
      indices.dispose();
    }
  }

  /**
   * The encoder's state for a history. It only changes when the history does, so the last one
   * is kept: several widgets on one page view pay for one encoder pass.
   */
  private userState(rows: readonly number[], length: number): tf.Tensor2D {
    const input = new Int32Array(length);
    const kept = rows.slice(-length);
    input.set(kept, length - kept.length);
    const key = input.join(',');
    if (this.cachedUser?.key !== key) {
      this.cachedUser?.state.dispose();
      const { encoder } = this.loaded;
      // The checked model is exactly this one layer; calling it directly skips LayersModel.predict's bookkeeping.
      const state = tf.tidy(() => encoder.lastHidden(encoder.encode(tf.tensor2d(input, [1, length], 'int32'), false)));
      this.cachedUser = { key, state: tf.keep(state) };
    }
    return this.cachedUser.state;
  }

  /** Frees the tensors this ranker owns (not the model). */
  dispose(): void {
    this.tableT.dispose();
    if (this.rows.ownsTable) this.table.dispose();
    this.unitT?.dispose();
    this.cachedUser?.state.dispose();
    this.cachedUser = undefined;
  }
}
