import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../data/leave-one-out.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import type { Scorer } from './evaluate.js';

/** Left-pads the newest `maxLen` rows of each history into one int32 batch. */
export function packHistories(histories: readonly (readonly number[])[], maxLen: number): Int32Array {
  const out = new Int32Array(histories.length * maxLen);
  histories.forEach((h, b) => {
    const kept = h.slice(-maxLen);
    out.set(kept, b * maxLen + maxLen - kept.length);
  });
  return out;
}

/**
 * The encoder's scores of every column of `tableT` (`[hidden, rows]`, transposed once by the
 * caller) after each history, flat `[histories, rows]`. Histories are padded to the longest one
 * (padding is masked, so the states equal maxLen padding).
 */
export async function scoreHistories(
  encoder: SasrecEncoder,
  histories: readonly (readonly number[])[],
  tableT: tf.Tensor2D,
): Promise<Float32Array> {
  const { maxLen } = encoder.cfg;
  const len = Math.max(1, Math.min(maxLen, Math.max(...histories.map((h) => h.length))));
  const scores = tf.tidy(() => {
    const ids = tf.tensor2d(packHistories(histories, len), [histories.length, len], 'int32');
    return tf.matMul(encoder.lastHidden(encoder.encode(ids, false)), tableT);
  });
  const flat = (await scores.data()) as Float32Array;
  scores.dispose();
  return flat;
}

/** Scores all items with the encoder exactly as the browser worker does: last hidden state x item table. */
export function sasrecScorer(encoder: SasrecEncoder, name = 'model'): Scorer {
  const { maxLen, vocabSize } = encoder.cfg;
  return {
    name,
    async scoreBatch(cases: readonly EvalCase[]) {
      // Padding to the batch's longest history gives the same states as padding to maxLen (padding is masked).
      const len = Math.max(1, Math.min(maxLen, Math.max(...cases.map((c) => c.history.length))));
      const scores = tf.tidy(() => {
        const ids = tf.tensor2d(
          packHistories(
            cases.map((c) => c.history),
            len,
          ),
          [cases.length, len],
          'int32',
        );
        // Explicit transpose: WASM's transposeB matMul path is about 10x slower than a plain product.
        return tf.matMul(encoder.lastHidden(encoder.encode(ids, false)), tf.transpose(encoder.itemTable()));
      });
      const flat = (await scores.data()) as Float32Array;
      scores.dispose();
      return cases.map((_, i) => flat.subarray(i * vocabSize, (i + 1) * vocabSize));
    },
  };
}
