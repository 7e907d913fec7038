import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../data/leave-one-out.js';
import { scoreHistories } from '../eval/sasrec-scorer.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import type { ContentEncoder } from './content-encoder.js';
import type { ItemContent } from './content-features.js';

/** Offsets tried, in logits, from none down to far below any trained item's score. */
export const OFFSETS = [0, -0.125, -0.25, -0.375, -0.5, -0.75, -1, -1.5, -2, -3] as const;

/** Share of the trained items' NDCG@10 that ranking new products beside them may cost, by default. */
export const WARM_BUDGET = 0.03;

/** What one offset does on the validation users. */
export interface OffsetRow {
  offset: number;
  /** Share of the trained-item users' NDCG@10 lost to new rows ranked beside theirs. */
  warmCost: number;
  /** HR@10 of the users whose validation item is a new one. */
  newHr: number;
}

/** The chosen offset, with the whole sweep it was chosen from. */
export interface OffsetChoice {
  offset: number;
  budget: number;
  warmNdcg: number;
  newUsers: number;
  grid: OffsetRow[];
}

/**
 * Chooses the score offset added to new products' rows (content-encoder rows), on validation
 * users: the largest offset (the least demotion) whose cost to the other users' NDCG@10 stays
 * within `budget`. A content row is a guess from the title, and without the offset those guesses
 * crowd trained items out of lists they belong in; with it, a new product is shown where its
 * content makes it a clear match.
 * @param table the scored rows (padding first), trained and new together
 * @param isNew marks the new rows of `table`; their rows are never read as history
 * @param cases validation cases over `table`'s rows
 */
export async function chooseNewItemOffset(
  encoder: SasrecEncoder,
  table: Float32Array,
  isNew: Uint8Array,
  cases: readonly EvalCase[],
  budget: number,
): Promise<OffsetChoice> {
  const { hidden } = encoder.cfg;
  const width = isNew.length;
  const tableT = tf.tidy(() => tf.transpose(tf.tensor2d(table, [width, hidden])));
  const warmGain = new Float64Array(OFFSETS.length);
  const newHits = new Float64Array(OFFSETS.length);
  let warmBase = 0;
  let warmUsers = 0;
  let newUsers = 0;
  const gain = (rank: number) => (rank < 10 ? 1 / Math.log2(rank + 2) : 0);
  const usable = cases.filter((c) => c.target > 0);
  for (let start = 0; start < usable.length; start += 256) {
    const batch = usable.slice(start, start + 256);
    const histories = batch.map((c) => c.history.filter((row) => row > 0 && !isNew[row]));
    const flat = await scoreHistories(encoder, histories, tableT);
    batch.forEach((c, i) => {
      const row = flat.subarray(i * width, (i + 1) * width);
      const excluded = new Set(c.history);
      const t = row[c.target]!;
      // The target's rank is the trained rows above it plus the new rows above it; an offset
      // moves only one side of that comparison, so each side is counted once per offset.
      const warmAbove: number[] = [];
      const newScores: number[] = [];
      for (let r = 1; r < width; r++) {
        if (r === c.target || excluded.has(r)) continue;
        if (isNew[r]) newScores.push(row[r]!);
        else warmAbove.push(row[r]!);
      }
      if (isNew[c.target]) {
        newUsers += 1;
        const newAbove = newScores.filter((s) => s >= t).length;
        OFFSETS.forEach((b, j) => {
          if (newAbove + warmAbove.filter((s) => s >= t + b).length < 10) newHits[j]! += 1;
        });
      } else {
        warmUsers += 1;
        const above = warmAbove.filter((s) => s >= t).length;
        warmBase += gain(above);
        OFFSETS.forEach((b, j) => (warmGain[j]! += gain(above + newScores.filter((s) => s + b >= t).length)));
      }
    });
  }
  tableT.dispose();
  const warmNdcg = warmBase / Math.max(1, warmUsers);
  const grid = OFFSETS.map((offset, j) => ({
    offset,
    warmCost: warmBase > 0 ? 1 - warmGain[j]! / warmBase : 0,
    newHr: newHits[j]! / Math.max(1, newUsers),
  }));
  const offset = grid.find((r) => r.warmCost <= budget)?.offset ?? OFFSETS[OFFSETS.length - 1]!;
  return { offset, budget, warmNdcg, newUsers, grid };
}

/**
 * Chooses the offset on the model's own trained items, for a model with no truly new ones to
 * validate on (every shipped model): a seeded `share` of the trained rows stand in for new
 * products (their rows replaced by their content rows, and never read as history), over the
 * validation users. The sequence model has seen those items, so their content rows score higher
 * than a truly new product's would; the offset this finds errs toward protecting trained items
 * (measured against truly new items in experiments/NOTES.md).
 * @param items content of every model row (`items[row - 1]`)
 */
export async function calibrateNewItemOffset(
  encoder: SasrecEncoder,
  content: ContentEncoder,
  items: readonly ItemContent[],
  validCases: readonly EvalCase[],
  options: { budget?: number; share?: number; seed?: number } = {},
): Promise<OffsetChoice> {
  const { vocabSize, hidden } = encoder.cfg;
  // A copy: on some backends data() hands out the variable's own buffer.
  const table = ((await encoder.itemTable().data()) as Float32Array).slice();
  const rows = Array.from({ length: vocabSize - 1 }, (_, i) => i + 1);
  const chosen = shuffleInPlace(rows, mulberry32(options.seed ?? 42)).slice(
    0,
    Math.round((options.share ?? 0.1) * rows.length),
  );
  const isNew = new Uint8Array(vocabSize);
  for (const row of chosen) {
    isNew[row] = 1;
    content.embed(items[row - 1]!, table.subarray(row * hidden, (row + 1) * hidden));
  }
  return chooseNewItemOffset(encoder, table, isNew, validCases, options.budget ?? WARM_BUDGET);
}
