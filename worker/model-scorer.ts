import * as tf from '@tensorflow/tfjs-core';
import type { Explanation } from '../contract/types.js';
import { unitRows } from '../models/rank/unit-rows.js';
import { isBlocked } from './candidate-bias.js';
import { explainByOcclusion } from './explain-ranking.js';
import type { ItemRows } from './item-rows.js';
import type { LoadedModel } from './load-model.js';

/** One ranked row. */
export type Scored = { row: number; score: number; reason: Explanation };

/**
 * The tensor side of ranking: the item table (new products' rows after the model's), the
 * encoder's user state, top-k on the backend. Input shapes are fixed on GPU backends (`[1, maxLen]`
 * history, a full-table bias) so they reuse compiled programs and buffer pools.
 */
export class ModelScorer {
  /** The item table with new products' rows, `[rows, hidden]` (the model's own when there are none). */
  private table: tf.Tensor2D;
  private tableT: tf.Tensor2D;
  private unitT: tf.Tensor2D | undefined;
  private fixedShape: boolean | undefined;
  private cachedUser: { key: string; state: tf.Tensor2D } | undefined;
  /** Unit-length item embeddings on the CPU, for diversity; read once when first asked for. */
  private unitCpu: Float32Array | undefined;

  constructor(
    private readonly loaded: LoadedModel,
    private readonly rows: ItemRows,
  ) {
    this.table = rows.fullTable(loaded.itemTable);
    // Transposed once so each call is a plain [1, d] x [d, V] product.
    this.tableT = tf.keep(tf.transpose(this.table));
  }

  /** Rereads the item table and forgets cached states: call after the weights change. */
  refresh(): void {
    this.dispose();
    this.table = this.rows.fullTable(this.loaded.encoder.itemTable());
    this.tableT = tf.keep(tf.transpose(this.table));
  }

  /** Model input length: GPU backends compile a program per shape, so they always get maxLen; CPU and WASM skip the masked padding. */
  private inputLength(rows: number): number {
    this.fixedShape ??= tf.getBackend() === 'webgpu' || tf.getBackend() === 'webgl';
    return this.fixedShape ? this.loaded.maxLen : Math.max(1, Math.min(rows, this.loaded.maxLen));
  }

  /**
   * The bias with the new-product offset on new rows, for scores of the sequence model: a content
   * row is a guess, so it must beat trained items by a margin (chosen on validation) to be shown.
   */
  private offsetNew(bias: Float32Array): Float32Array {
    const offset = this.rows.newOffset;
    const first = this.loaded.encoder.cfg.vocabSize;
    if (offset === 0 || this.rows.size <= first) return bias;
    const out = bias.slice();
    for (let row = first; row < out.length; row++) if (!isBlocked(out[row]!)) out[row]! += offset;
    return out;
  }

  /** The top rows by the sequence model's score after `history` (new products offset), with the bias applied. */
  afterHistory(
    history: readonly number[],
    bias: Float32Array,
    want: number,
    reason: () => Explanation,
  ): Promise<Scored[]> {
    const state = this.userState(history);
    return this.topK(state, this.tableT, this.offsetNew(bias), want, reason);
  }

  /** Item-to-item: the top rows by cosine similarity of item embeddings to `anchor`. */
  similar(anchor: number, bias: Float32Array, want: number, reason: () => Explanation): Promise<Scored[]> {
    this.unitT ??= tf.tidy(() => {
      const table = this.table;
      return tf.keep(tf.transpose(tf.div(table, tf.add(tf.norm(table, 'euclidean', 1, true), 1e-8))) as tf.Tensor2D);
    });
    const query = tf.tidy(() => tf.transpose(tf.slice(this.unitT!, [0, anchor], [-1, 1])) as tf.Tensor2D);
    return this.topK(query, this.unitT, bias, want, reason).finally(() => query.dispose());
  }

  /** The sequence model's score of every row after `history`, the new-product offset applied. */
  async allScores(history: readonly number[]): Promise<Float32Array> {
    const state = this.userState(history);
    const scores = tf.tidy(() => tf.reshape(tf.matMul(state, this.tableT), [-1]));
    const values = (await scores.data()) as Float32Array;
    scores.dispose();
    const offset = this.offsetNew(new Float32Array(values.length));
    for (let row = 0; row < values.length; row++) values[row]! += offset[row]!;
    return values;
  }

  /** For each result row, the history row that raised it most (see explainByOcclusion). */
  explain(history: readonly number[], results: readonly number[]): number[] {
    const length = this.inputLength(history.length);
    return explainByOcclusion(this.loaded.encoder, this.table, history, results, length);
  }

  /** Unit-length rows on the CPU (for diversity). */
  async unitRows(): Promise<Float32Array> {
    this.unitCpu ??= unitRows((await this.table.data()) as Float32Array, this.loaded.encoder.cfg.hidden);
    return this.unitCpu;
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
  private userState(rows: readonly number[]): tf.Tensor2D {
    const length = this.inputLength(rows.length);
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

  /** Frees the tensors this scorer owns (not the model's). */
  dispose(): void {
    this.tableT.dispose();
    if (this.rows.ownsTable) this.table.dispose();
    this.unitT?.dispose();
    this.unitT = undefined;
    this.cachedUser?.state.dispose();
    this.cachedUser = undefined;
    this.unitCpu = undefined;
  }
}
