import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../../models/data/leave-one-out.js';
import { mulberry32 } from '../../models/data/rng.js';
import { metricsFromRanks, rankOfTarget, type Metrics } from '../../models/eval/metrics.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';
import type { SasrecEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { fineTuneOnHistory } from '../../models/train/local-finetune.js';

/** The per-user comparison behind a personalization claim: before/after is paired, user by user. */
export interface PairedGain {
  /** Mean of after − before NDCG@10 over users, and its standard error. */
  meanDiff: number;
  standardError: number;
  /** Users whose held-out item moved up / down in the full ranking. */
  rankImproved: number;
  rankWorsened: number;
}

/**
 * What on-device personalization (no server) does for each user's own next item: for every case,
 * start from the shared weights, fine-tune the whole model on that user's history alone (as
 * `personalize()` does in the worker), score the held-out item; compare with the shared model.
 * The gains are a few thousandths of NDCG@10 against a per-user spread of ~0.04, so the paired
 * difference and its standard error are reported with the means.
 */
export async function personalizationGain(
  encoder: SasrecEncoder,
  shared: readonly tf.Tensor[],
  cases: readonly EvalCase[],
  options: { steps: number; learningRate: number; seed: number },
): Promise<{ users: number; before: Metrics; after: Metrics; paired: PairedGain }> {
  encoder.setWeights(shared as tf.Tensor[]);
  // The evaluation's rule: the history is excluded except the target itself (repeats count).
  const rank = async (c: EvalCase) => {
    const [scores] = await sasrecScorer(encoder).scoreBatch([c]);
    const excluded = new Set(c.history);
    excluded.delete(c.target);
    return rankOfTarget(scores!, c.target, excluded);
  };
  const before: number[] = [];
  for (const c of cases) before.push(await rank(c));
  const after: number[] = [];
  for (const [i, c] of cases.entries()) {
    encoder.setWeights(shared as tf.Tensor[]);
    await fineTuneOnHistory(encoder, c.history, {
      steps: options.steps,
      learningRate: options.learningRate,
      negatives: 1024,
      rand: mulberry32(options.seed + i),
      trainItemTable: true,
    });
    after.push(await rank(c));
  }
  encoder.setWeights(shared as tf.Tensor[]);
  const ndcg = (r: number) => (r < 10 ? 1 / Math.log2(r + 2) : 0);
  const diffs = after.map((r, i) => ndcg(r) - ndcg(before[i]!));
  const meanDiff = diffs.reduce((s, d) => s + d, 0) / Math.max(1, diffs.length);
  const variance = diffs.reduce((s, d) => s + (d - meanDiff) ** 2, 0) / Math.max(1, diffs.length - 1);
  return {
    users: cases.length,
    before: metricsFromRanks(before),
    after: metricsFromRanks(after),
    // The full rank has no cut-off, so it says whether the item moved at all, not only across rank 10.
    paired: {
      meanDiff,
      standardError: Math.sqrt(variance / Math.max(1, diffs.length)),
      rankImproved: after.filter((r, i) => r < before[i]!).length,
      rankWorsened: after.filter((r, i) => r > before[i]!).length,
    },
  };
}
