import { cosine } from './unit-rows.js';

/**
 * Maximal marginal relevance: picks `k` of the candidates (best first) one at a time, each the
 * one with the most `(1 - diversity) * relevance - diversity * (its highest similarity to what is
 * picked already)`, relevance being the score rescaled to [0, 1] over the candidates. Diversity 0
 * keeps the order; towards 1 a list stops being near-copies of its first item.
 * @param rows candidate table rows, best first
 * @param scores their scores (any scale)
 * @param unit item embeddings scaled to unit length ([rows, dim], see unitRows)
 * @returns indices into `rows`, in list order
 */
export function diversify(
  rows: readonly number[],
  scores: readonly number[],
  k: number,
  diversity: number,
  unit: Float32Array,
  dim: number,
): number[] {
  const n = rows.length;
  const want = Math.min(k, n);
  if (diversity <= 0 || n <= 1) return Array.from({ length: want }, (_, i) => i);
  const finite = scores.filter(Number.isFinite);
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  const relevance = scores.map((s) => (Number.isFinite(s) ? (hi > lo ? (s - lo) / (hi - lo) : 1) : s > 0 ? 1 : 0));
  const nearest = new Float64Array(n).fill(-Infinity); // highest similarity to a picked item
  const picked: number[] = [];
  const taken = new Uint8Array(n);
  while (picked.length < want) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const penalty = picked.length === 0 ? 0 : nearest[i]!;
      const value = (1 - diversity) * relevance[i]! - diversity * penalty;
      if (value > bestValue) [best, bestValue] = [i, value];
    }
    picked.push(best);
    taken[best] = 1;
    for (let i = 0; i < n; i++)
      if (!taken[i]) nearest[i] = Math.max(nearest[i]!, cosine(unit, dim, rows[i]!, rows[best]!));
  }
  return picked;
}
