import * as tf from '@tensorflow/tfjs-core';
import type { ContentEncoder } from '../content/content-encoder.js';
import type { ItemContent } from '../content/content-features.js';
import type { EvalCase } from '../data/leave-one-out.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { evaluate, type Scorer } from './evaluate.js';
import type { Metrics } from './metrics.js';
import { scoreHistories } from './sasrec-scorer.js';

/** What the cold-item protocol reports (HR/NDCG at 5/10/20 per method and user group). */
export interface ColdItemReport {
  coldItems: number;
  coldUsers: number;
  warmUsers: number;
  /** Users whose test item is a held-out (new) item. */
  cold: Record<'content' | 'content, offset 0' | 'popularity' | 'random-new' | 'content-off', Metrics>;
  /** Users whose test item was trained on: the cost of ranking new items beside them. */
  warm: Record<'content' | 'content, offset 0' | 'content-off', Metrics>;
  /** The model's new-product score offset (`content`); `content, offset 0` is without it. */
  offset: number;
}

/**
 * Scores the model's rows and, after them, the new items' content-encoder rows. History rows of
 * new items are left out of the encoder's input: the model has no embedding to read for them.
 * @param offset added to the new rows' scores; -Infinity ranks them last (the content encoder off: new items unrankable)
 */
function contentScorer(encoder: SasrecEncoder, newRows: Float32Array, offset: number, name: string): Scorer {
  const { vocabSize, hidden } = encoder.cfg;
  const count = newRows.length / hidden;
  const tableT = tf.keep(
    tf.tidy(() => tf.transpose(tf.concat([encoder.itemTable(), tf.tensor2d(newRows, [count, hidden])]))),
  );
  return {
    name,
    async scoreBatch(cases: readonly EvalCase[]) {
      const histories = cases.map((c) => c.history.filter((row) => row < vocabSize));
      const flat = await scoreHistories(encoder, histories, tableT);
      const width = vocabSize + count;
      return cases.map((_, i) => {
        const row = flat.subarray(i * width, (i + 1) * width);
        for (let r = vocabSize; r < width; r++) row[r] += offset;
        return row;
      });
    },
  };
}

/** Expected HR/NDCG of a list drawn at random from the `pool` new items a user has not seen. */
function randomAmong(pools: readonly number[]): Metrics {
  const out: Metrics = {};
  for (const k of [5, 10, 20]) {
    let hr = 0;
    let ndcg = 0;
    for (const pool of pools) {
      const shown = Math.min(k, pool);
      hr += shown / pool;
      for (let r = 0; r < shown; r++) ndcg += 1 / Math.log2(r + 2) / pool;
    }
    out[`HR@${k}`] = hr / pools.length;
    out[`NDCG@${k}`] = ndcg / pools.length;
  }
  return out;
}

/**
 * The cold-item protocol: the model was trained with a share of the items held out entirely;
 * they come back as rows from the content encoder, after the model's. For test users whose item
 * is a held-out one it reports the model with the encoder (with the model's new-product offset,
 * and without it) beside popularity (training counts: a
 * new item has none), a random pick among the new items, and the encoder off (new items
 * unrankable); for the other users, what ranking the new items beside the trained ones costs.
 * @param cases leave-one-out test cases over the model's rows then the new rows (`vocabSize + i` is `newItems[i]`)
 * @param popularity training counts per row of that space
 */
export async function coldItemEval(
  encoder: SasrecEncoder,
  content: ContentEncoder,
  newItems: readonly ItemContent[],
  cases: readonly EvalCase[],
  popularity: Float32Array,
  offset = 0,
): Promise<ColdItemReport> {
  const { vocabSize, hidden } = encoder.cfg;
  const newRows = new Float32Array(newItems.length * hidden);
  newItems.forEach((item, i) => content.embed(item, newRows.subarray(i * hidden, (i + 1) * hidden)));
  const cold = cases.filter((c) => c.target >= vocabSize);
  const warm = cases.filter((c) => c.target < vocabSize);
  const on = contentScorer(encoder, newRows, offset, 'content');
  const raw = contentScorer(encoder, newRows, 0, 'content, offset 0');
  const off = contentScorer(encoder, newRows, -Infinity, 'content-off');
  const popular: Scorer = { name: 'popularity', scoreBatch: (batch) => batch.map(() => popularity) };
  const pools = cold.map(
    (c) => newItems.length - new Set(c.history.filter((r) => r >= vocabSize && r !== c.target)).size,
  );
  return {
    coldItems: newItems.length,
    coldUsers: cold.length,
    warmUsers: warm.length,
    offset,
    cold: {
      content: (await evaluate(on, cold)).metrics,
      'content, offset 0': (await evaluate(raw, cold)).metrics,
      popularity: (await evaluate(popular, cold)).metrics,
      'random-new': randomAmong(pools),
      'content-off': (await evaluate(off, cold)).metrics,
    },
    warm: {
      content: (await evaluate(on, warm)).metrics,
      'content, offset 0': (await evaluate(raw, warm)).metrics,
      'content-off': (await evaluate(off, warm)).metrics,
    },
  };
}
