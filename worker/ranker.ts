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
  private readonly tableT: tf.Tensor2D;

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

  /** Catalog items the model can score. */
  get rankable(): number {
    return this.items.size;
  }

  /** Top-k recommendations for a history (oldest first). */
  async rank(history: readonly string[], query: RecommendQuery): Promise<Recommendation[]> {
    const { input, rows } = encodeHistory(history, this.rowOf, this.loaded.maxLen);
    const bias = queryBias(this.base, query, this.rowOf, this.items, rows);
    const k = Math.min(query.k, bias.length);
    const { values, indices } = tf.tidy(() => {
      const ids = tf.tensor2d(input, [1, this.loaded.maxLen], 'int32');
      const user = this.loaded.model.predict(ids) as tf.Tensor2D;
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

  /** Frees the tensors this ranker owns (not the model). */
  dispose(): void {
    this.tableT.dispose();
  }
}
