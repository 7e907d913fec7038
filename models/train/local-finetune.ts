import * as tf from '@tensorflow/tfjs-core';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { historyExamples, makeBatches } from './batches.js';
import { nextItemLoss } from './next-item-loss.js';

/** Most a client uploads per round: 32-bit masked words. */
export const UPLOAD_BUDGET_BYTES = 512 * 1024;

/**
 * The federated part of the model: every encoder weight (positions, attention, feed-forward,
 * norms) plus the item-table rows of a fixed, public list of items (the most popular in the
 * training data, as many as the upload budget allows). The update is dense over all of them
 * whatever the shopper saw, so it does not say which items they touched; the rest of the
 * table (the long tail, where single rows would be identifying) stays as shipped.
 */
export interface FederatedPart {
  encoderVars: tf.Variable[];
  table: tf.Variable;
  rows: number[];
  /** Values in the flattened vector. */
  size: number;
  /**
   * A public subset of the vector's positions (ascending), when only those are federated: DP
   * noise grows with the square root of the dimension, so a DP deployment sends fewer values.
   */
  coordinates?: Int32Array;
  /** With `coordinates`: the whole vector when the part was taken; the other positions keep these values. */
  base?: Float32Array;
}

/**
 * The federated part of an encoder, for a list of table rows (empty: encoder only), optionally
 * narrowed to `coordinates` (positions in the encoder-then-rows vector, see {@link flattenPart}).
 */
export function federatedPart(
  encoder: SasrecEncoder,
  rows: readonly number[] = [],
  coordinates?: readonly number[],
): FederatedPart {
  // By identity, not by name: layer weight names get suffixes when a model is built twice.
  const table = encoder.itemTable() as unknown as tf.Variable;
  const encoderVars = encoder.trainableWeights.map((w) => w.read() as tf.Variable).filter((v) => v !== table);
  const size = encoderVars.reduce((n, v) => n + v.size, 0) + rows.length * table.shape[1]!;
  const whole = { encoderVars, table, rows: [...rows], size };
  if (!coordinates) return whole;
  checkCoordinates(coordinates, size);
  return { ...whole, size: coordinates.length, coordinates: Int32Array.from(coordinates), base: flattenPart(whole) };
}

/** Throws a RangeError unless `coordinates` are ascending integer positions below `size`. */
export function checkCoordinates(coordinates: readonly number[], size: number): void {
  for (let i = 0; i < coordinates.length; i++) {
    const c = coordinates[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= size || (i > 0 && c <= coordinates[i - 1]!))
      throw new RangeError(`federated coordinates must be ascending positions below ${size}`);
  }
}

/**
 * The table rows to federate: the `popularity`-ordered items that fit the upload budget beside
 * the encoder. Public (derived from training data) and stored in the model's metadata.
 */
export function federatedRowsFor(
  encoder: SasrecEncoder,
  popularity: ArrayLike<number>,
  budgetBytes = UPLOAD_BUDGET_BYTES,
): number[] {
  const room = Math.floor(budgetBytes / 4) - federatedPart(encoder).size;
  const count = Math.max(0, Math.floor(room / encoder.cfg.hidden));
  const rows = Array.from({ length: popularity.length - 1 }, (_, i) => i + 1).filter((r) => popularity[r]! > 0);
  return rows
    .sort((a, b) => popularity[b]! - popularity[a]! || a - b)
    .slice(0, count)
    .sort((a, b) => a - b);
}

/** Concatenates the part into one vector: encoder weights in order, then the listed rows (then narrowed to its coordinates). */
export function flattenPart(part: FederatedPart): Float32Array {
  const out = new Float32Array(part.base?.length ?? part.size);
  let offset = 0;
  for (const v of part.encoderVars) {
    out.set(v.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  if (part.rows.length > 0) {
    // The read-back stays outside tidy: tidy walks whatever its function returns, and walking a
    // typed array of 77k values element by element cost seconds per simulated round.
    const rows = tf.tidy(() => tf.gather(part.table, tf.tensor1d(part.rows, 'int32')));
    out.set(rows.dataSync() as Float32Array, offset);
    rows.dispose();
  }
  return part.coordinates ? Float32Array.from(part.coordinates, (c) => out[c]!) : out;
}

/** Writes a vector produced by flattenPart back into the model (positions outside a part's coordinates return to its base). */
export function assignPart(part: FederatedPart, flat: Float32Array): void {
  if (flat.length !== part.size) throw new RangeError(`expected ${part.size} values, got ${flat.length}`);
  if (part.coordinates) {
    const whole = Float32Array.from(part.base!);
    part.coordinates.forEach((c, i) => (whole[c] = flat[i]!));
    assignPart({ ...part, size: whole.length, coordinates: undefined, base: undefined }, whole);
    return;
  }
  let offset = 0;
  for (const v of part.encoderVars) {
    const start = offset;
    tf.tidy(() => v.assign(tf.tensor(flat.subarray(start, start + v.size), v.shape, 'float32')));
    offset += v.size;
  }
  if (part.rows.length === 0) return;
  tf.tidy(() => {
    const values = tf.tensor2d(flat.subarray(offset), [part.rows.length, part.table.shape[1]!]);
    const scattered = tf.scatterND(tf.tensor2d(part.rows, [part.rows.length, 1], 'int32'), values, part.table.shape);
    part.table.assign(tf.where(federatedRowsMask(part), scattered, part.table));
  });
}

/** Boolean, the table's shape: true on the federated rows. For `tf.where(mask, moved, kept)`. */
export function federatedRowsMask(part: FederatedPart): tf.Tensor2D {
  return tf.tidy(() => {
    const flags = new Float32Array(part.table.shape[0]!);
    for (const r of part.rows) flags[r] = 1;
    return tf.cast(tf.tile(tf.tensor2d(flags, [flags.length, 1]), [1, part.table.shape[1]!]), 'bool') as tf.Tensor2D;
  });
}

/** Knobs of on-device fine-tuning. */
export interface FineTuneOptions {
  steps: number;
  learningRate: number;
  negatives: number;
  /** Uniform generator for negative sampling (seed it from crypto.getRandomValues on devices). */
  rand: () => number;
  /** Awaited between steps: the worker yields here so recommend() calls are served meanwhile. */
  between?: () => Promise<void>;
  /** Table rows of the federated part (see {@link federatedPart}); only these rows of the table move. */
  federatedRows?: readonly number[];
  /** Narrows the returned delta to these positions of the federated vector (see {@link federatedPart}). */
  federatedCoordinates?: readonly number[];
  /** Adapt the whole item table: right for personalization that stays on the device. */
  trainItemTable?: boolean;
  /**
   * `sgd` for federated contributions: the delta is then the learning rate times a sum of
   * gradients, which averages across clients into a gradient estimate the server's optimizer
   * (FedAdam) can use; Adam's per-coordinate normalization would turn it into sign noise.
   * `adam` (default) for personalization on the device.
   */
  optimizer?: 'adam' | 'sgd';
}

/**
 * Fine-tunes on one shopper's history, next-item loss on its newest targets (see
 * historyExamples: every position for a causal encoder, one prefix per target with a frequency
 * filter). Leaves the new weights in place and returns the delta of the federated part.
 */
export async function fineTuneOnHistory(
  encoder: SasrecEncoder,
  rows: readonly number[],
  options: FineTuneOptions,
): Promise<{ delta: Float32Array; losses: number[] }> {
  const part = federatedPart(encoder, options.federatedRows, options.federatedCoordinates);
  const before = flattenPart(part);
  const examples = historyExamples(rows, encoder.cfg);
  const losses: number[] = [];
  if (examples.length === 0) return { delta: new Float32Array(before.length), losses };
  const tableMoves = options.trainItemTable || part.rows.length > 0;
  const trained = tableMoves ? [...part.encoderVars, part.table] : part.encoderVars;
  // Rows outside the federated list must not move in a contribution: they are put back after.
  const tableBefore = tableMoves && !options.trainItemTable ? tf.keep(tf.clone(part.table)) : undefined;
  const optimizer =
    options.optimizer === 'sgd' ? tf.train.sgd(options.learningRate) : tf.train.adam(options.learningRate);
  try {
    for (let step = 0; step < options.steps; step++) {
      const [batch] = makeBatches(examples, examples.length, options.rand);
      const cost = optimizer.minimize(
        () => tf.tidy(() => nextItemLoss(encoder, batch!, options.negatives, options.rand)),
        true,
        trained,
      )!;
      losses.push((await cost.data())[0]!);
      cost.dispose();
      await options.between?.();
    }
    if (tableBefore) tf.tidy(() => part.table.assign(tf.where(federatedRowsMask(part), part.table, tableBefore)));
  } finally {
    tableBefore?.dispose();
    optimizer.dispose();
  }
  const after = flattenPart(part);
  return { delta: after.map((v, i) => v - before[i]!), losses };
}
