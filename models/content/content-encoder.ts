import { contentTokens, hashedFeatures, type ItemContent } from './content-features.js';

/** What model.json says of the content encoder shipped beside it. */
export interface ContentEncoderMeta {
  /** File beside model.json: float16, the mean embedding (`dim`) then the weights (`buckets x dim`). */
  file: string;
  buckets: number;
  dim: number;
  /** Ridge penalty it was fitted with (chosen on held-out trained items). */
  lambda: number;
  /**
   * Added to a new product's model score (`for-you`, `bought-together`), in logits; default 0.
   * Chosen on validation users so that new products cost trained items at most 3% of NDCG@10
   * (models/content/new-item-offset.ts).
   */
  offset?: number;
}

/**
 * Maps an item's content (title, brand, category, attributes) to the model's item-embedding space:
 * a linear map of its hashed token features plus the mean item embedding. Fitted on the trained
 * items' embeddings; gives a product that arrived after training a row the model can rank.
 */
export class ContentEncoder {
  /**
   * @param mean the mean trained item embedding (`dim`)
   * @param weights `buckets x dim`, row-major
   */
  constructor(
    readonly buckets: number,
    readonly dim: number,
    readonly mean: Float32Array,
    readonly weights: Float32Array,
  ) {
    if (mean.length !== dim || weights.length !== buckets * dim)
      throw new Error(`content encoder: expected ${dim} + ${buckets} x ${dim} values`);
  }

  /** The embedding of one item; with no content at all, the mean. */
  embed(item: ItemContent, out: Float32Array = new Float32Array(this.dim)): Float32Array {
    out.set(this.mean);
    const { indices, values } = hashedFeatures(contentTokens(item), this.buckets);
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i]! * this.dim;
      const v = values[i]!;
      for (let j = 0; j < this.dim; j++) out[j] += v * this.weights[row + j]!;
    }
    return out;
  }

  /** The float values it ships as: the mean, then the weights. */
  toValues(): Float32Array {
    const all = new Float32Array(this.dim + this.weights.length);
    all.set(this.mean);
    all.set(this.weights, this.dim);
    return all;
  }

  /** Reads what toValues() wrote. */
  static fromValues(meta: Pick<ContentEncoderMeta, 'buckets' | 'dim'>, values: Float32Array): ContentEncoder {
    if (values.length !== meta.dim * (meta.buckets + 1))
      throw new Error(`content encoder: ${values.length} values; expected ${meta.dim * (meta.buckets + 1)}`);
    return new ContentEncoder(meta.buckets, meta.dim, values.slice(0, meta.dim), values.slice(meta.dim));
  }
}

/** IEEE 754 binary16 bits to a number (the file is float16 to stay small). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
