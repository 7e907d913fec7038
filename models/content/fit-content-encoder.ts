import { mulberry32, shuffleInPlace } from '../data/rng.js';
import { ContentEncoder } from './content-encoder.js';
import { contentTokens, hashedFeatures, type ItemContent, type SparseFeatures } from './content-features.js';

/** Default feature buckets: 1,536 x 64 float16 weights are 192 KB beside the model. */
export const CONTENT_BUCKETS = 1536;
const LAMBDAS = [0.1, 0.3, 1, 3, 10, 30];
const VALID_SHARE = 0.1;

/** In-place Cholesky solve of (A) X = B, A symmetric positive definite n x n, B n x m (row-major Float64Arrays). */
function choleskySolve(a: Float64Array, b: Float64Array, n: number, m: number): Float64Array {
  const l = Float64Array.from(a);
  for (let j = 0; j < n; j++) {
    let d = l[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    const root = Math.sqrt(d);
    l[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let s = l[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / root;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = l[i * n + k]!;
      if (f !== 0) for (let c = 0; c < m; c++) x[i * m + c]! -= f * x[k * m + c]!;
    }
    for (let c = 0; c < m; c++) x[i * m + c]! /= l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = l[k * n + i]!;
      if (f !== 0) for (let c = 0; c < m; c++) x[i * m + c]! -= f * x[k * m + c]!;
    }
    for (let c = 0; c < m; c++) x[i * m + c]! /= l[i * n + i]!;
  }
  return x;
}

/** Ridge regression of the centered targets on sparse features. */
function ridge(
  features: SparseFeatures[],
  targets: Float32Array[],
  mean: Float32Array,
  buckets: number,
  lambda: number,
) {
  const dim = mean.length;
  const gram = new Float64Array(buckets * buckets);
  const rhs = new Float64Array(buckets * dim);
  features.forEach(({ indices, values }, r) => {
    for (let p = 0; p < indices.length; p++) {
      const i = indices[p]!;
      const vi = values[p]!;
      for (let q = 0; q < indices.length; q++) gram[i * buckets + indices[q]!]! += vi * values[q]!;
      for (let c = 0; c < dim; c++) rhs[i * dim + c]! += vi * (targets[r]![c]! - mean[c]!);
    }
  });
  for (let i = 0; i < buckets; i++) gram[i * buckets + i]! += lambda;
  return Float32Array.from(choleskySolve(gram, rhs, buckets, dim));
}

function meanOf(rows: readonly Float32Array[], dim: number): Float32Array {
  const mean = new Float32Array(dim);
  for (const row of rows) for (let c = 0; c < dim; c++) mean[c]! += row[c]! / rows.length;
  return mean;
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [dot, na, nb] = [dot + a[i]! * b[i]!, na + a[i]! ** 2, nb + b[i]! ** 2];
  return dot / (Math.sqrt(na * nb) || 1);
};

/** What fitting measured. */
export interface ContentFit {
  encoder: ContentEncoder;
  lambda: number;
  /** Mean cosine of predicted and trained embeddings of the held-out trained items, per lambda tried. */
  validCosine: Record<string, number>;
}

/**
 * Fits the content encoder to the trained items: ridge regression from each item's hashed
 * content features to its trained embedding, the penalty chosen on a random tenth of the items
 * held out (mean cosine of predicted and trained embedding), then refitted on all of them.
 * @param items the trained items' content, in the same order as `embeddings`
 */
export function fitContentEncoder(
  items: readonly ItemContent[],
  embeddings: readonly Float32Array[],
  options: { buckets?: number; seed?: number; lambdas?: readonly number[] } = {},
): ContentFit {
  const buckets = options.buckets ?? CONTENT_BUCKETS;
  const dim = embeddings[0]!.length;
  const features = items.map((item) => hashedFeatures(contentTokens(item), buckets));
  const order = shuffleInPlace(
    items.map((_, i) => i),
    mulberry32(options.seed ?? 42),
  );
  const cut = Math.floor(order.length * VALID_SHARE);
  const [valid, train] = [order.slice(0, cut), order.slice(cut)];
  const trainMean = meanOf(
    train.map((i) => embeddings[i]!),
    dim,
  );
  const validCosine: Record<string, number> = {};
  const lambdas = options.lambdas ?? LAMBDAS;
  let best = lambdas[0]!;
  for (const lambda of lambdas) {
    const weights = ridge(
      train.map((i) => features[i]!),
      train.map((i) => embeddings[i]!),
      trainMean,
      buckets,
      lambda,
    );
    const encoder = new ContentEncoder(buckets, dim, trainMean, weights);
    validCosine[lambda] =
      valid.reduce((s, i) => s + cosine(encoder.embed(items[i]!), embeddings[i]!), 0) / valid.length;
    if (validCosine[lambda]! > validCosine[best]!) best = lambda;
  }
  const mean = meanOf(embeddings, dim);
  const encoder = new ContentEncoder(buckets, dim, mean, ridge(features, [...embeddings], mean, buckets, best));
  return { encoder, lambda: best, validCosine };
}
