import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../../models/data/leave-one-out.js';
import type { Metrics } from '../../models/eval/metrics.js';
import type { SasrecEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { centralizedFineTune } from './centralized-fine-tune.js';

/** One learning rate the ceiling tried: where its validation NDCG@10 peaked, and how high. */
export interface CeilingTrial {
  learningRate: number;
  bestEpoch: number;
  validNdcg: number;
}

/**
 * The centralized ceiling with its learning rate tuned: fine-tunes from the pretrained weights
 * at each rate (`reset` restores them) and keeps the run with the best validation NDCG@10,
 * leaving its weights in `encoder`. A ceiling at one untuned rate understates what centralized
 * training gets, which flatters every share of it; the test items never pick the rate.
 */
export async function centralizedCeiling(
  encoder: SasrecEncoder,
  users: readonly number[][],
  validation: readonly EvalCase[],
  options: {
    learningRates: readonly number[];
    maxEpochs: number;
    patience: number;
    federatedRows: readonly number[];
    seed: number;
    reset: () => void;
    onCheck?: (learningRate: number, epoch: number, valid: Metrics) => void;
  },
): Promise<{ chosen: CeilingTrial; trials: CeilingTrial[] }> {
  if (options.learningRates.length === 0 || options.learningRates.some((lr) => !(lr > 0)))
    throw new Error(`the ceiling's learning rates must be positive numbers; got ${options.learningRates.join(',')}`);
  const trials: CeilingTrial[] = [];
  let best: { trial: CeilingTrial; weights: tf.Tensor[] } | undefined;
  try {
    for (const learningRate of options.learningRates) {
      options.reset();
      const { bestEpoch, validNdcg } = await centralizedFineTune(encoder, users, validation, {
        ...options,
        learningRate,
        onCheck: (e, m) => options.onCheck?.(learningRate, e, m),
      });
      const trial = { learningRate, bestEpoch, validNdcg };
      trials.push(trial);
      if (best && validNdcg <= best.trial.validNdcg) continue;
      best?.weights.forEach((w) => w.dispose());
      best = { trial, weights: encoder.getWeights().map((w) => tf.keep(tf.clone(w))) };
    }
    encoder.setWeights(best!.weights);
    return { chosen: best!.trial, trials };
  } finally {
    best?.weights.forEach((w) => w.dispose());
  }
}
