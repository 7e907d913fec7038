import { mulberry32 } from '../data/rng.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { federatedGradient } from './federated-gradient.js';

/** Knobs of {@link dpCoordinatesFor}. */
export interface DpCoordinateOptions {
  /** Share of the federated vector to keep, in (0, 1]. */
  fraction: number;
  /** Table rows of the federated part. */
  federatedRows: readonly number[];
  /** The clients' clip norm: the ranking uses the same clipped gradients they would send. */
  clip: number;
  seed: number;
}

/**
 * The positions of the federated vector that a DP deployment federates: those where public
 * users' clipped gradients are largest (mean square). DP noise is spread evenly over every
 * position sent, while the gradient concentrates on few (measured on Beauty: the public top 2%
 * hold about half of the private users' mean gradient), so sending fewer positions raises the
 * signal-to-noise ratio. Only public data decides the list, so publishing it reveals nothing
 * about the federated users. Leaves the encoder's weights as it found them.
 */
export async function dpCoordinatesFor(
  encoder: SasrecEncoder,
  publicSequences: readonly number[][],
  options: DpCoordinateOptions,
): Promise<number[]> {
  if (!(options.fraction > 0 && options.fraction <= 1)) throw new RangeError('fraction must be in (0, 1]');
  let squares: Float64Array | undefined;
  for (const [i, seq] of publicSequences.entries()) {
    const { gradient } = await federatedGradient(encoder, seq, {
      negatives: 1024,
      rand: mulberry32(options.seed + i),
      federatedRows: options.federatedRows,
    });
    let norm = 0;
    for (const v of gradient) norm += v * v;
    const scale = Math.min(1, options.clip / Math.sqrt(norm || 1));
    squares ??= new Float64Array(gradient.length);
    for (let j = 0; j < gradient.length; j++) squares[j]! += (gradient[j]! * scale) ** 2;
  }
  if (!squares) throw new RangeError('no public sequences to rank coordinates with');
  const keep = Math.max(1, Math.round(squares.length * options.fraction));
  const order = Array.from(squares.keys()).sort((a, b) => squares[b]! - squares[a]! || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}
