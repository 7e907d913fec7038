import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { evalCases, leaveOneOut, type UserSplit } from '../data/leave-one-out.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import { evaluate } from '../eval/evaluate.js';
import type { Metrics } from '../eval/metrics.js';
import { sasrecScorer } from '../eval/sasrec-scorer.js';
import { buildSasrec } from '../sasrec/build-sasrec.js';
import { DEFAULT_SASREC, type SasrecConfig } from '../sasrec/sasrec-config.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { makeBatches, nextItemExamples, prefixExamples, type Batch } from './batches.js';
import { nextItemLoss } from './next-item-loss.js';
import { formatDuration, ProgressBar } from './progress-bar.js';

/** Training knobs; every default is what `npm run train` uses. */
export interface TrainOptions extends Omit<SasrecConfig, 'vocabSize'> {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without a better validation NDCG@10 before stopping (what normally ends training). */
  patience: number;
  /**
   * A safety net, not a budget: training stops after the epoch that crosses it and keeps the
   * best epoch, and says so (`stoppedBy: 'wall-clock'`), since the model then depends on how fast
   * the machine was. The epoch limit and early stopping decide every run that does not hit it,
   * so the same flags and seed give the same weights on any machine.
   */
  maxMinutes: number;
  /** Validation users scored per epoch (a fixed random subset; 0 = all). */
  validUsers: number;
  /** Sampled negatives per batch for the softmax; 0 = full softmax over every item. */
  negatives: number;
  /** Retrain on training + validation items for the selected epoch count (what ships). */
  refit: boolean;
  /**
   * `positions`: one example per history, every position scored (SASRec); `prefixes`: one
   * example per prefix, scored at its end ({@link prefixExamples}).
   */
  examples: 'positions' | 'prefixes';
}

/**
 * Defaults chosen on Beauty's validation items (the ablation table in models/README.md); the
 * same flags serve other categories. One example per prefix (scored at its end, as at serving
 * time) is what pays first: validation NDCG@10 .0626 against .0581 for every position of a
 * history. BSARec's frequency filter beside attention adds the next step (.0660), with its
 * authors' general setting of the mix (alpha 0.7) and the lowest 3 of the window's 26 bins;
 * patience 4 ends a run after ~20 epochs.
 */
export const DEFAULT_TRAIN: TrainOptions = {
  ...DEFAULT_SASREC,
  epochs: 200,
  batchSize: 256,
  learningRate: 0.002,
  patience: 4,
  maxMinutes: 180,
  validUsers: 0,
  negatives: 1024,
  refit: true,
  examples: 'prefixes',
};

/** What training hands back. */
export interface TrainResult {
  model: LayersModel;
  encoder: SasrecEncoder;
  splits: UserSplit[];
  bestEpoch: number;
  bestValid: Metrics;
  /** True when the returned model was refit on training + validation items. */
  refitted: boolean;
  epochsRun: number;
  /** What ended the epochs: early stopping, the epoch limit, or the wall-clock safety net. */
  stoppedBy: 'patience' | 'epochs' | 'wall-clock';
  seconds: number;
  log: { epoch: number; loss: number; valid: Metrics; seconds: number }[];
}

/** One pass over shuffled, length-bucketed batches; returns the mean loss. */
async function trainEpoch(
  encoder: SasrecEncoder,
  optimizer: tf.Optimizer,
  batches: Batch[],
  negatives: number,
  rand: () => number,
  bar: ProgressBar,
): Promise<number> {
  const weights = encoder.trainableWeights.map((w) => w.read() as tf.Variable);
  let lossSum = 0;
  for (let b = 0; b < batches.length; b++) {
    const cost = optimizer.minimize(
      () => tf.tidy(() => nextItemLoss(encoder, batches[b]!, negatives, rand)),
      true,
      weights,
    )!;
    lossSum += (await cost.data())[0]!;
    cost.dispose();
    bar.update(b + 1, `loss ${(lossSum / (b + 1)).toFixed(4)}`);
  }
  return lossSum / batches.length;
}

/**
 * Trains the SASRec ranker: epochs on the training items with early stopping on validation
 * NDCG@10; then, with `refit`, a fresh model with the same seed trained for the chosen number
 * of epochs on training + validation items (the test items stay unseen), which is what ships.
 */
export async function trainSasrec(
  sequences: readonly number[][],
  itemIds: string[],
  opts: TrainOptions,
  meta: { modelId: string; modelVersion: string },
  hooks: {
    /** Runs on the early-stopped model before the refit: what must be chosen on validation items it never trained on. */
    beforeRefit?: (encoder: SasrecEncoder, splits: UserSplit[]) => Promise<void>;
  } = {},
): Promise<TrainResult> {
  const started = Date.now();
  const {
    epochs,
    batchSize,
    learningRate,
    patience,
    maxMinutes,
    validUsers,
    negatives,
    refit,
    examples: kind,
    ...arch
  } = opts;
  if (arch.lowFrequencies && kind !== 'prefixes')
    throw new Error('a frequency filter sees the whole window: train it with examples "prefixes", not "positions"');
  const examplesOf = kind === 'prefixes' ? prefixExamples : nextItemExamples;
  const vocabSize = itemIds.length + 1;
  const { model, encoder } = buildSasrec({ ...arch, vocabSize }, { ...meta, itemIds });
  const splits = leaveOneOut(sequences);
  const examples = examplesOf(
    splits.map((s) => s.train),
    arch.maxLen,
  );
  const rand = mulberry32(arch.seed);
  let validation = evalCases(splits, 'valid');
  if (validUsers > 0 && validUsers < validation.length)
    validation = shuffleInPlace(validation, mulberry32(arch.seed + 1)).slice(0, validUsers);
  const optimizer = tf.train.adam(learningRate, 0.9, 0.98);
  let best: { epoch: number; valid: Metrics; snapshot: tf.Tensor[] } | undefined;
  const log: TrainResult['log'] = [];
  let epoch = 0;
  let stoppedBy: TrainResult['stoppedBy'] = 'epochs';
  for (epoch = 1; epoch <= epochs; epoch++) {
    const epochStart = Date.now();
    const batches = makeBatches(examples, batchSize, rand);
    const bar = new ProgressBar(`epoch ${epoch}/${epochs}`, batches.length);
    const loss = await trainEpoch(encoder, optimizer, batches, negatives, rand, bar);
    const { metrics: valid } = await evaluate(sasrecScorer(encoder), validation);
    const seconds = (Date.now() - epochStart) / 1000;
    log.push({ epoch, loss, valid, seconds });
    const improved = !best || valid['NDCG@10']! > best.valid['NDCG@10']!;
    if (improved) {
      best?.snapshot.forEach((t) => t.dispose());
      best = { epoch, valid, snapshot: encoder.getWeights().map((w) => tf.keep(tf.clone(w))) };
    }
    bar.done(
      `loss ${loss.toFixed(4)} valid NDCG@10 ${valid['NDCG@10']!.toFixed(4)} HR@10 ` +
        `${valid['HR@10']!.toFixed(4)}${improved ? ' *' : ''} (${formatDuration(seconds)})`,
    );
    if (epoch - best!.epoch >= patience) {
      stoppedBy = 'patience';
      break;
    }
    if ((Date.now() - started) / 60_000 > maxMinutes && epoch < epochs) {
      stoppedBy = 'wall-clock';
      process.stderr.write(
        `warning: stopping at the ${maxMinutes}-minute safety net before early stopping or the epoch limit: ` +
          `this model depends on the machine's speed (raise --max-minutes or lower --epochs for a reproducible run)\n`,
      );
      break;
    }
  }
  encoder.setWeights(best!.snapshot);
  best!.snapshot.forEach((t) => t.dispose());
  optimizer.dispose();
  const selected = {
    bestEpoch: best!.epoch,
    bestValid: best!.valid,
    epochsRun: Math.min(epoch, epochs),
    stoppedBy,
    log,
  };
  if (!refit) return { model, encoder, splits, ...selected, refitted: false, seconds: (Date.now() - started) / 1000 };
  await hooks.beforeRefit?.(encoder, splits);

  // Refit: same architecture, seed and epoch count, on every item before the test item.
  model.dispose();
  const fresh = buildSasrec({ ...arch, vocabSize }, { ...meta, itemIds });
  const refitExamples = examplesOf(
    splits.map((s) => [...s.train, s.valid]),
    arch.maxLen,
  );
  const refitRand = mulberry32(arch.seed);
  const refitOptimizer = tf.train.adam(learningRate, 0.9, 0.98);
  for (let e = 1; e <= best!.epoch; e++) {
    const batches = makeBatches(refitExamples, batchSize, refitRand);
    const refitBar = new ProgressBar(`refit ${e}/${best!.epoch}`, batches.length);
    const loss = await trainEpoch(fresh.encoder, refitOptimizer, batches, negatives, refitRand, refitBar);
    refitBar.done(`loss ${loss.toFixed(4)} (train + validation items)`);
  }
  refitOptimizer.dispose();
  return {
    model: fresh.model,
    encoder: fresh.encoder,
    splits,
    ...selected,
    refitted: true,
    seconds: (Date.now() - started) / 1000,
  };
}
