/**
 * How lexical relevance and the shopper's model score are blended, as model.json ships it
 * (`userDefinedMetadata.pocketrank.search`). Every weight is chosen on validation users by
 * `npm run train` (or `npm run search-blend`); see tuneSearchBlend().
 */
export interface SearchBlend {
  /** Weight of the shopper's model score (standardized over the matches) in `search()`. */
  personal: number;
  /** Weight of the item's catalog popularity (log, standardized over the matches). */
  popularity: number;
  /** Weight of the shopper's model score in `rerank()`, against the shop's own order. */
  rerank: number;
}

/** Used when a model ships no blend: lexical relevance alone, the shop's order alone. */
export const NO_BLEND: SearchBlend = { personal: 0, popularity: 0, rerank: 0 };

/** Values standardized to mean 0, deviation 1 (all 0 when they do not vary). */
export function standardize(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i]! - mean) ** 2;
  const sd = Math.sqrt(variance / n);
  if (!(sd > 1e-12)) return out;
  for (let i = 0; i < n; i++) out[i] = (values[i]! - mean) / sd;
  return out;
}

/** Relevance of a shop's result by its position: 1 for the first, falling as DCG's discount does. */
export function positionRelevance(count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => 1 / Math.log2(i + 2));
}

/**
 * Blended scores of a query's matches: `relevance` (lexical score over the best one's, or the
 * shop's position relevance), plus `personalWeight` times the shopper's standardized model score,
 * plus `popularityWeight` times standardized log popularity. Standardizing over the matches makes
 * the weights mean the same for a query with 3 matches and one with 1,000.
 * @param personal the model's scores of the matches, or undefined with no history (the term drops out)
 */
export function blendScores(
  relevance: ArrayLike<number>,
  personal: ArrayLike<number> | undefined,
  popularity: ArrayLike<number> | undefined,
  personalWeight: number,
  popularityWeight: number,
): Float64Array {
  const n = relevance.length;
  let best = 0;
  for (let i = 0; i < n; i++) best = Math.max(best, relevance[i]!);
  const out = Float64Array.from({ length: n }, (_, i) => (best > 0 ? relevance[i]! / best : 0));
  if (personal && personalWeight !== 0) {
    const z = standardize(personal);
    for (let i = 0; i < n; i++) out[i]! += personalWeight * z[i]!;
  }
  if (popularity && popularityWeight !== 0) {
    const z = standardize(Float64Array.from({ length: n }, (_, i) => Math.log1p(Math.max(0, popularity[i]!))));
    for (let i = 0; i < n; i++) out[i]! += popularityWeight * z[i]!;
  }
  return out;
}
