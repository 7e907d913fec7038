import * as tf from '@tensorflow/tfjs-core';
import type { CatalogItem, Recommendation, RecommendQuery } from '../src/types.js';
import { BLOCKED, baseBias, encodeHistory, indexCatalog, queryBias } from './candidate-bias.js';
import type { LoadedModel } from './load-model.js';

/**
 * Scores every catalog item for a history and keeps the top k on the backend. Input shapes are
 * fixed (`[1, maxLen]` history, `[vocabSize]` bias) so GPU backends reuse their compiled
 * programs and buffer pools; only k values and indices come back to JavaScript.
 */
export class Ranker {
  private readonly rowOf: Map<string, number>;
  private readonly items: Map<number, CatalogItem>;
  private readonly base: Float32Array;
  private tableT: tf.Tensor2D;
  private fixedShape: boolean | undefined;
  private cachedUser: { key: string; state: tf.Tensor2D } | undefined;

  /** @param loaded the checked model; @param catalog the shop's items (unknown ones are not rankable) */
  constructor(
    private readonly loaded: LoadedModel,
    catalog: readonly CatalogItem[],
  ) {
    ({ rowOf: this.rowOf, items: this.items } = indexCatalog(loaded.meta.itemIds, catalog));
    this.base = baseBias(loaded.encoder.cfg.vocabSize, this.items.keys());
    // Transposed once so each call is a plain [1, d] x [d, V] product.
    this.tableT = tf.keep(tf.transpose(loaded.itemTable));
  }

  /** Rereads the item table and forgets cached states: call after the weights change. */
  refresh(): void {
    this.tableT.dispose();
    this.tableT = tf.keep(tf.transpose(this.loaded.encoder.itemTable()));
    this.cachedUser?.state.dispose();
    this.cachedUser = undefined;
  }

  /** Table rows of the known items of a history, oldest first. */
  rowsOf(history: readonly string[]): number[] {
    return encodeHistory(history, this.rowOf, this.loaded.maxLen).rows;
  }

  /** Catalog items the model can score. */
  get rankable(): number {
    return this.items.size;
  }

  /** Top-k recommendations for a history (oldest first). */
  async rank(history: readonly string[], query: RecommendQuery): Promise<Recommendation[]> {
    // GPU backends compile a program per shape, so they always get [1, maxLen]; CPU and WASM
    // skip the padding, which is masked, so the result is the same for less work.
    const fixedShape = this.fixedShape ?? (this.fixedShape = tf.getBackend() === 'webgpu' || tf.getBackend() === 'webgl');
    const { input, rows } = encodeHistory(history, this.rowOf, fixedShape ? this.loaded.maxLen : Math.max(1, Math.min(history.length, this.loaded.maxLen)));
    const bias = queryBias(this.base, query, this.rowOf, this.items, rows);
    const k = Math.min(query.k, bias.length);
    const user = this.userState(input);
    const { values, indices } = tf.tidy(() => {
      const scores = tf.add(tf.reshape(tf.matMul(user, this.tableT), [-1]), tf.tensor1d(bias));
      return tf.topk(scores, k, true);
    });
    try {
      const [scoreData, rowData] = await Promise.all([values.data(), indices.data()]);
      const out: Recommendation[] = [];
      for (let i = 0; i < k; i++) {
        const score = scoreData[i]!;
        if (score <= BLOCKED / 2) break;
        out.push({ itemId: this.loaded.meta.itemIds[rowData[i]! - 1]!, score });
      }
      return out;
    } finally {
      values.dispose();
      indices.dispose();
    }
  }

  /**
   * The encoder's state for a history. It only changes when the history does, so the last one
   * is kept: several widgets asking for recommendations on one page view pay for one encoder pass.
   */
  private userState(input: Int32Array): tf.Tensor2D {
    const key = input.join(',');
    if (this.cachedUser?.key !== key) {
      this.cachedUser?.state.dispose();
      const { encoder } = this.loaded;
      // The checked model is exactly this one layer; calling it directly skips LayersModel.predict's bookkeeping.
      const state = tf.tidy(() => encoder.lastHidden(encoder.encode(tf.tensor2d(input, [1, input.length], 'int32'), false)));
      this.cachedUser = { key, state: tf.keep(state) };
    }
    return this.cachedUser.state;
  }

  /** Frees the tensors this ranker owns (not the model). */
  dispose(): void {
    this.tableT.dispose();
    this.cachedUser?.state.dispose();
    this.cachedUser = undefined;
  }
}
