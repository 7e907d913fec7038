import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../../models/data/leave-one-out.js';
import { mulberry32 } from '../../models/data/rng.js';
import { evaluate } from '../../models/eval/evaluate.js';
import type { Metrics } from '../../models/eval/metrics.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';
import type { SasrecEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { historyExamples, makeBatches } from '../../models/train/batches.js';
import { assignPart, federatedPart, federatedRowsMask, flattenPart } from '../../models/train/local-finetune.js';
import { nextItemLoss } from '../../models/train/next-item-loss.js';

/**
 * The ceiling: the same federated parameters fine-tuned centrally on every federated user's
 * history (Adam, batches of 128), for up to `maxEpochs` epochs, validated `evalsPerEpoch` times
 * an epoch and stopped after `patience` checks (default 4) without a better validation NDCG@10; the best
 * checkpoint is kept (early stopping on the federated users' validation items). One epoch is
 * too coarse a grain here: the gain peaks and fades within two epochs.
 */
export async function centralizedFineTune(
  encoder: SasrecEncoder,
  users: readonly number[][],
  validation: readonly EvalCase[],
  options: {
    maxEpochs: number;
    learningRate: number;
    federatedRows: readonly number[];
    seed: number;
    evalsPerEpoch?: number;
    patience?: number;
    onCheck?: (epoch: number, valid: Metrics) => void;
  },
): Promise<{ bestEpoch: number; validNdcg: number }> {
  const part = federatedPart(encoder, options.federatedRows);
  const rand = mulberry32(options.seed);
  const optimizer = tf.train.adam(options.learningRate, 0.9, 0.98);
  // The same examples a device trains on: one per prefix with a frequency filter.
  const examples = users.flatMap((u) => historyExamples(u, encoder.cfg));
  const start = tf.keep(tf.clone(part.table));
  const mask = tf.keep(federatedRowsMask(part));
  // Validation dips before it rises (measured), so patience spans an epoch of checks.
  const [checks, patience] = [options.evalsPerEpoch ?? 4, options.patience ?? 4];
  let best = {
    epoch: 0,
    ndcg: (await evaluate(sasrecScorer(encoder), validation)).metrics['NDCG@10']!,
    weights: flattenPart(part),
  };
  let worse = 0;
  try {
    train: for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
      const batches = [...makeBatches(examples, 128, rand)];
      const every = Math.max(1, Math.ceil(batches.length / checks));
      for (const [i, batch] of batches.entries()) {
        optimizer.minimize(() => tf.tidy(() => nextItemLoss(encoder, batch, 1024, rand)), false, [
          ...part.encoderVars,
          part.table,
        ]);
        // Only the federated rows may move, as in the federated runs.
        tf.tidy(() => part.table.assign(tf.where(mask, part.table, start)));
        if ((i + 1) % every !== 0 && i + 1 !== batches.length) continue;
        const at = epoch - 1 + (i + 1) / batches.length;
        const valid = (await evaluate(sasrecScorer(encoder), validation)).metrics;
        options.onCheck?.(at, valid);
        if (valid['NDCG@10']! > best.ndcg)
          [best, worse] = [{ epoch: at, ndcg: valid['NDCG@10']!, weights: flattenPart(part) }, 0];
        else if (++worse >= patience) break train;
      }
    }
  } finally {
    optimizer.dispose();
    start.dispose();
    mask.dispose();
  }
  assignPart(part, best.weights);
  return { bestEpoch: best.epoch, validNdcg: best.ndcg };
}
