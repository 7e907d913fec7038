import * as tf from '@tensorflow/tfjs-core';
import type { CatalogItem } from '../contract/types.js';
import { indexCatalog } from './candidate-bias.js';
import type { LoadedModel } from './load-model.js';

/**
 * Which catalog item is which table row: the model's rows first, then, when the model ships a
 * content encoder, a row for every catalog item it was not trained on (a product added later),
 * embedded from its content.
 */
export class ItemRows {
  /** Every rankable id: the model's rows, then new products' rows after them. */
  readonly rowOf: Map<string, number>;
  /** The model's own rows only: what the encoder may read as history. */
  readonly modelRowOf: Map<string, number>;
  readonly items: Map<number, CatalogItem>;
  /** Id of every row after padding: the model's items, then the new ones. */
  private readonly ids: string[];
  /** Content-encoder embeddings of the new products' rows, `[new, hidden]`, kept to rebuild the table. */
  private readonly newRows: Float32Array;

  constructor(
    private readonly loaded: LoadedModel,
    catalog: readonly CatalogItem[],
  ) {
    ({ rowOf: this.modelRowOf, items: this.items } = indexCatalog(loaded.meta.itemIds, catalog));
    this.rowOf = new Map(this.modelRowOf);
    this.ids = [...loaded.meta.itemIds];
    const fresh = loaded.content ? catalog.filter((item) => !this.modelRowOf.has(item.id)) : [];
    const dim = loaded.encoder.cfg.hidden;
    this.newRows = new Float32Array(fresh.length * dim);
    fresh.forEach((item, i) => {
      const row = loaded.encoder.cfg.vocabSize + i;
      loaded.content!.embed(item, this.newRows.subarray(i * dim, (i + 1) * dim));
      this.rowOf.set(item.id, row);
      this.items.set(row, item);
      this.ids.push(item.id);
    });
  }

  /** Rows in all, padding included: the length of a bias or score vector. */
  get size(): number {
    return this.ids.length + 1;
  }

  /** Added to new products' model scores (see ContentEncoderMeta.offset). */
  get newOffset(): number {
    return this.loaded.meta.content?.offset ?? 0;
  }

  /** True for a row of a product the model was not trained on. */
  isNew(row: number): boolean {
    return row >= this.loaded.encoder.cfg.vocabSize;
  }

  /** The id of a row. */
  idOf(row: number): string {
    return this.ids[row - 1]!;
  }

  /** The model's item table with the new products' rows after it (the model's own tensor when there are none). */
  fullTable(modelTable: tf.Tensor2D): tf.Tensor2D {
    if (this.newRows.length === 0) return modelTable;
    const dim = this.loaded.encoder.cfg.hidden;
    return tf.keep(tf.tidy(() => tf.concat([modelTable, tf.tensor2d(this.newRows, [this.newRows.length / dim, dim])])));
  }

  /** Whether fullTable() makes a tensor of its own (which its caller disposes). */
  get ownsTable(): boolean {
    return this.newRows.length > 0;
  }
}
