import type { EvalCase } from '../data/leave-one-out.js';
import { metricsFromRanks, rankOfTarget, topRows, type Metrics } from './metrics.js';

/** Anything that scores every table row for a batch of histories. */
export interface Scorer {
  name: string;
  /** Returns one score row of length vocabSize per case (row 0, padding, is ignored). */
  scoreBatch(cases: readonly EvalCase[]): Promise<Float32Array[]> | Float32Array[];
}

/** Result of a full-ranking evaluation. */
export interface Evaluation {
  metrics: Metrics;
  /** The top rows per case (the history but the target excluded), when asked for. */
  top?: number[][];
  /** Their scores. */
  topScores?: number[][];
}

/**
 * Full ranking: every item competes, the user's history is excluded (except the target
 * itself, so a repeat purchase is still credited), ranks aggregated to HR/NDCG@5/10/20.
 */
export async function evaluate(
  scorer: Scorer,
  cases: readonly EvalCase[],
  options: { batch?: number; keepTop?: number; onBatch?: (done: number) => void } = {},
): Promise<Evaluation> {
  const batch = options.batch ?? 256;
  const ranks = new Int32Array(cases.length);
  const top: number[][] | undefined = options.keepTop ? new Array<number[]>(cases.length) : undefined;
  const topScores: number[][] = [];
  // Batches of similar history length: sequence scorers pad only to the longest in the batch.
  const order = cases.map((_, i) => i).sort((a, b) => cases[a]!.history.length - cases[b]!.history.length);
  for (let start = 0; start < order.length; start += batch) {
    const ids = order.slice(start, start + batch);
    const rows = await scorer.scoreBatch(ids.map((i) => cases[i]!));
    ids.forEach((caseIndex, i) => {
      const c = cases[caseIndex]!;
      const excluded = new Set(c.history);
      excluded.delete(c.target);
      // A target the model has no row for (row 0) is a miss, not a hit on the padding row.
      ranks[caseIndex] = c.target === 0 ? 0x7fffffff : rankOfTarget(rows[i]!, c.target, excluded);
      if (top) {
        // The protocol's exclusion, so the lists' hits are the ranking's hits at the same cut-off.
        top[caseIndex] = topRows(rows[i]!, options.keepTop!, excluded);
        topScores[caseIndex] = top[caseIndex]!.map((row) => rows[i]![row]!);
      }
    });
    options.onBatch?.(Math.min(start + batch, cases.length));
  }
  return top ? { metrics: metricsFromRanks(ranks), top, topScores } : { metrics: metricsFromRanks(ranks) };
}
