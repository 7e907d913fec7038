import { shuffleInPlace } from '../data/rng.js';

/** One next-item training example: input rows and, at each position, the row that came next. */
export interface Example {
  input: number[];
  target: number[];
}

/** Builds examples from training sequences (newest `maxLen` steps; sequences under 2 items teach nothing). */
export function nextItemExamples(train: readonly number[][], maxLen: number): Example[] {
  const out: Example[] = [];
  for (const seq of train) {
    if (seq.length < 2) continue;
    out.push({ input: seq.slice(0, -1).slice(-maxLen), target: seq.slice(1).slice(-maxLen) });
  }
  return out;
}

/**
 * One example per prefix, scored at its newest position only (the FMLP-Rec / BSARec recipe):
 * every training target is then predicted from the last position, as at serving time, so
 * learned positions never have to generalize from the middle of a history. The same targets
 * as {@link nextItemExamples}, at about (length + 1) / 2 times the encoder's work.
 */
export function prefixExamples(train: readonly number[][], maxLen: number): Example[] {
  const out: Example[] = [];
  for (const seq of train) {
    for (let end = 1; end < seq.length; end++) {
      const input = seq.slice(Math.max(0, end - maxLen), end);
      const target = new Array<number>(input.length).fill(0);
      target[input.length - 1] = seq[end]!;
      out.push({ input, target });
    }
  }
  return out;
}

/**
 * The training examples of one shopper's history, for an encoder of this config: the whole
 * history scored at every position for a causal encoder; for one with a frequency filter
 * (which sees the whole window, so a later item would leak into an earlier position's state)
 * one prefix per target, scored at its end. Either way the newest `maxLen` targets, so
 * {@link nextItemTargetCount} counts what is scored.
 */
export function historyExamples(rows: readonly number[], cfg: { maxLen: number; lowFrequencies?: number }): Example[] {
  if (!cfg.lowFrequencies) return nextItemExamples([rows as number[]], cfg.maxLen);
  return prefixExamples([rows as number[]], cfg.maxLen).slice(-cfg.maxLen);
}

/** Scored next-item positions in one history: its weight in a centralized batch's mean loss. */
export function nextItemTargetCount(rows: readonly number[], maxLen: number): number {
  return Math.max(0, Math.min(rows.length - 1, maxLen));
}

/** A padded batch: `[size, len]` inputs and targets, left-padded with 0. */
export interface Batch {
  size: number;
  len: number;
  inputs: Int32Array;
  targets: Int32Array;
}

/**
 * Shuffles examples, then groups similar lengths (sorting within windows of 50 batches) so
 * each batch is padded only to its own longest sequence, and shuffles the batch order.
 */
export function makeBatches(examples: readonly Example[], batchSize: number, rand: () => number): Batch[] {
  const order = shuffleInPlace([...examples], rand);
  const window = batchSize * 50;
  const batches: Batch[] = [];
  for (let w = 0; w < order.length; w += window) {
    const chunk = order.slice(w, w + window).sort((a, b) => a.input.length - b.input.length);
    for (let b = 0; b < chunk.length; b += batchSize) {
      const group = chunk.slice(b, b + batchSize);
      const len = Math.max(...group.map((e) => e.input.length));
      const inputs = new Int32Array(group.length * len);
      const targets = new Int32Array(group.length * len);
      group.forEach((e, i) => {
        inputs.set(e.input, i * len + len - e.input.length);
        targets.set(e.target, i * len + len - e.target.length);
      });
      batches.push({ size: group.length, len, inputs, targets });
    }
  }
  return shuffleInPlace(batches, rand);
}
