import * as tf from '@tensorflow/tfjs-core';
import type { SasrecEncoder } from '../models/sasrec/sasrec-encoder.js';

/**
 * For each recommended row, the history row whose removal lowers its score most (occlusion):
 * one batched encoder pass over the history with each distinct item left out in turn. That is
 * the event that contributed most to the score, in the model's own terms, not a similarity guess.
 * @param history the history rows fed to the model, oldest first (no padding)
 * @param results the recommended rows
 * @returns one history row per result
 */
export function explainByOcclusion(
  encoder: SasrecEncoder,
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
    const targets = tf.gather(encoder.itemTable(), tf.tensor1d(results as number[], 'int32'));
    return tf.matMul(states, tf.transpose(targets));
  });
  const s = scores.dataSync();
  scores.dispose();
  const k = results.length;
  return results.map((_, j) => {
    let best = 0;
    let bestDrop = -Infinity;
    distinct.forEach((_, i) => {
      const drop = s[j]! - s[(i + 1) * k + j]!;
      if (drop > bestDrop) [best, bestDrop] = [i, drop];
    });
    return distinct[best]!;
  });
}
