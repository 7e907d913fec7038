import * as tf from '@tensorflow/tfjs-core';
import { type ClientWeighting, clientWeight, clipL2 } from '../../worker/federated/privatize-update.js';
import { mulberry32 } from '../data/rng.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { nextItemTargetCount } from '../train/batches.js';
import { federatedGradient } from '../train/federated-gradient.js';

/** Knobs of {@link publicSubspaceBasis}. */
export interface SubspaceBasisOptions {
  /** Number of basis vectors (the dimension the noise is left in). */
  rank: number;
  /** Table rows of the federated part. */
  federatedRows: readonly number[];
  /** The clients' clip norm and weighting: the basis spans what they would send. */
  clip: number;
  weighting?: ClientWeighting;
  seed: number;
  /** Subspace iterations (default 30). */
  iterations?: number;
}

/**
 * An orthonormal basis (rank x length, row-major) of the top principal directions of public
 * users' contributions (each clipped and weighted as a client would send it), for the server to
 * project each round's noised mean onto (see server/rounds/public-subspace.ts). Only public
 * data decides it, so publishing it reveals nothing about the federated users. The directions
 * come from the users' Gram matrix (users x users) by subspace iteration, so the cost is one
 * gradient per user plus a few matrix products; the encoder's weights are left as they were.
 */
export async function publicSubspaceBasis(encoder: SasrecEncoder, publicSequences: readonly number[][], options: SubspaceBasisOptions): Promise<Float32Array> {
  const { rank } = options;
  if (!(Number.isInteger(rank) && rank >= 1)) throw new RangeError(`rank must be a positive integer; got ${rank}`);
  if (publicSequences.length <= rank) throw new RangeError(`a rank-${rank} subspace needs more than ${rank} public users; got ${publicSequences.length}`);
  const rows: Float32Array[] = [];
  for (const [i, seq] of publicSequences.entries()) {
    const { gradient } = await federatedGradient(encoder, seq, { negatives: 1024, rand: mulberry32(options.seed + i), federatedRows: options.federatedRows });
    clipL2(gradient, options.clip);
    const w = options.weighting ? clientWeight(nextItemTargetCount(seq, encoder.cfg.maxLen), options.weighting) : 1;
    if (w !== 1) for (let j = 0; j < gradient.length; j++) gradient[j] = gradient[j]! * w;
    rows.push(gradient);
  }
  const [users, length] = [rows.length, rows[0]!.length];
  const flat = new Float32Array(users * length);
  rows.forEach((r, i) => flat.set(r, i * length));
  rows.length = 0;
  const g = tf.tensor2d(flat, [users, length]);
  try {
    const gram = tf.matMul(g, g, false, true);
    // Subspace iteration on the Gram matrix: its top eigenvectors map to the gradients' top
    // principal directions through G^T.
    const rand = mulberry32(options.seed);
    let q = orthonormalColumns(Float64Array.from({ length: users * rank }, () => rand() - 0.5), users, rank);
    for (let it = 0; it < (options.iterations ?? 30); it++) {
      const next = tf.tidy(() => tf.matMul(gram, tf.tensor2d(Float32Array.from(q), [users, rank])));
      q = orthonormalColumns(Float64Array.from(next.dataSync()), users, rank);
      next.dispose();
    }
    gram.dispose();
    const directions = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(q), [users, rank]), g, true, false));
    const basis = Float64Array.from(directions.dataSync());
    directions.dispose();
    // Twice: one Gram-Schmidt pass in float32-rounded input leaves errors a second pass removes.
    orthonormalRows(basis, rank, length);
    orthonormalRows(basis, rank, length);
    return Float32Array.from(basis);
  } finally {
    g.dispose();
  }
}

/** Gram-Schmidt on the columns of a row-major rows x cols matrix, in place; returns it. */
function orthonormalColumns(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  orthonormalRows(t, cols, rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m[r * cols + c] = t[c * rows + r]!;
  return m;
}

/** Modified Gram-Schmidt on the rows of a row-major matrix, in place. */
function orthonormalRows(m: Float64Array, rows: number, length: number): void {
  for (let i = 0; i < rows; i++) {
    const a = i * length;
    for (let j = 0; j < i; j++) {
      const b = j * length;
      let dot = 0;
      for (let k = 0; k < length; k++) dot += m[a + k]! * m[b + k]!;
      for (let k = 0; k < length; k++) m[a + k]! -= dot * m[b + k]!;
    }
    let norm = 0;
    for (let k = 0; k < length; k++) norm += m[a + k]! * m[a + k]!;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new RangeError(`the public contributions span fewer than ${rows} directions`);
    for (let k = 0; k < length; k++) m[a + k]! /= norm;
  }
}
