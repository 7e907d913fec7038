import * as tf from '@tensorflow/tfjs-core';
import type { SasrecEncoder } from '../models/sasrec/sasrec-encoder.js';

/**
 * For each recommended row, the history row whose removal lowers its score most beyond what that
 * removal costs the rest of the list (contrastive occlusion): one batched encoder pass over the
 * history with each distinct item left out in turn. A sequential model leans on the latest event
 * for every item, so the plain largest drop named that one event for the whole list; subtracting
 * each event's mean drop over the list names the event that raised this item in particular, still
 * in the model's own terms, not a similarity guess. A list of one falls back to the plain drop.
 * @param table the item table the results' rows index (the model's, with new products' rows after it)
 * @param history the history rows fed to the model, oldest first (no padding)
 * @param results the recommended rows
 * @returns one history row per result
 */
export function explainByOcclusion(
  encoder: SasrecEncoder,
  table: tf.Tensor2D,
  history: readonly number[],
  results: readonly number[],
  inputLength: number,
): number[] {
  const distinct = [...new Set(history)];
  if (distinct.length <= 1 || results.length === 0) return results.map(() => distinct[0]!);
  const variants = new Int32Array((distinct.length + 1) * inputLength);
  const put = (slot: number, rows: readonly number[]) => {
    const kept = rows.slice(-inputLength);
    variants.set(kept, slot * inputLength + inputLength - kept.length);
  };
  put(0, history);
  distinct.forEach((row, i) =>
    put(
      i + 1,
      history.filter((r) => r !== row),
    ),
  );
  const scores = tf.tidy(() => {
    const states = encoder.lastHidden(
      encoder.encode(tf.tensor2d(variants, [distinct.length + 1, inputLength], 'int32'), false),
    );
    const targets = tf.gather(table, tf.tensor1d(results as number[], 'int32'));
    return tf.matMul(states, tf.transpose(targets));
  });
  const s = scores.dataSync();
  scores.dispose();
  const k = results.length;
  const drop = (i: number, j: number) => s[j]! - s[(i + 1) * k + j]!;
  const meanDrop = distinct.map((_, i) => (k > 1 ? results.reduce((sum, _r, j) => sum + drop(i, j), 0) / k : 0));
  return results.map((_, j) => {
    let best = 0;
    let bestLift = -Infinity;
    distinct.forEach((_, i) => {
      const lift = drop(i, j) - meanDrop[i]!;
      if (lift > bestLift) [best, bestLift] = [i, lift];
    });
    return distinct[best]!;
  });
}
