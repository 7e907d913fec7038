import { readFile } from 'node:fs/promises';

/**
 * A low-dimensional subspace of the federated vector, found on public data only, that the
 * server projects each round's noised mean onto before its optimizer step.
 *
 * Why: DP-FedAvg's noise has the same variance on every one of the vector's coordinates, so
 * across 131,072 values it swamps a mean update whose norm is a few percent of the clip. Most
 * of that update lies in the span of a few dozen public gradient directions (measured on
 * Beauty: 24% of the federated users' mean update's squared norm lies in the public top 32,
 * where 32 random directions would hold 0.02%), while only rank / length of the noise does. Projecting is
 * post-processing of the released aggregate, so the (epsilon, delta) guarantee is unchanged
 * and clients send exactly what they send without it (Zhou, Wu, Banerjee 2021; Kairouz et al.
 * 2021 identify gradient subspaces from public data the same way).
 */
export interface PublicSubspace {
  /** Number of basis vectors. */
  rank: number;
  /** Length of the federated vector. */
  length: number;
  /** Orthonormal basis, rank rows of `length` values, row-major. */
  basis: Float32Array;
}

/** Rows must be orthonormal to this tolerance: the projection is only a projection if they are. */
const TOLERANCE = 1e-3;

/** Checks and wraps a basis (rank x length, row-major, orthonormal rows); throws a RangeError naming what is wrong. */
export function publicSubspace(basis: Float32Array, length: number): PublicSubspace {
  if (!(Number.isInteger(length) && length > 0)) throw new RangeError(`vector length must be a positive integer; got ${length}`);
  const rank = basis.length / length;
  if (!Number.isInteger(rank) || rank < 1 || rank >= length) throw new RangeError(`a subspace basis needs between 1 and ${length - 1} rows of ${length} values; got ${basis.length} values`);
  for (const v of basis) if (!Number.isFinite(v)) throw new RangeError('the subspace basis holds a value that is not finite');
  for (let i = 0; i < rank; i++) {
    for (let j = 0; j <= i; j++) {
      const dot = rowDot(basis, i, j, length);
      if (Math.abs(dot - (i === j ? 1 : 0)) > TOLERANCE) throw new RangeError(`the subspace basis is not orthonormal: rows ${j} and ${i} have dot product ${dot.toFixed(4)}`);
    }
  }
  return { rank, length, basis };
}

/** The orthogonal projection of `vector` onto the subspace: B^T (B v). */
export function projectOntoSubspace(subspace: PublicSubspace, vector: Float32Array): Float32Array {
  const { rank, length, basis } = subspace;
  if (vector.length !== length) throw new RangeError(`cannot project ${vector.length} values onto a subspace of ${length}-value vectors`);
  const out = new Float64Array(length);
  for (let i = 0; i < rank; i++) {
    const offset = i * length;
    let c = 0;
    for (let j = 0; j < length; j++) c += basis[offset + j]! * vector[j]!;
    for (let j = 0; j < length; j++) out[j]! += c * basis[offset + j]!;
  }
  return Float32Array.from(out);
}

/** Reads a basis written by `npm run dp-subspace` (raw little-endian float32, rank x length). */
export async function readPublicSubspace(path: string, length: number): Promise<PublicSubspace> {
  const bytes = await readFile(path);
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`${path} is not a float32 basis: ${bytes.byteLength} bytes`);
  const basis = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return publicSubspace(basis, length);
}

function rowDot(basis: Float32Array, i: number, j: number, length: number): number {
  let s = 0;
  const [a, b] = [i * length, j * length];
  for (let k = 0; k < length; k++) s += basis[a + k]! * basis[b + k]!;
  return s;
}
