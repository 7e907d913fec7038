/** Cut-offs reported by the evaluation. */
export const CUTOFFS = [5, 10, 20] as const;

/** HR@k and NDCG@k keyed like `{ "HR@10": 0.06, "NDCG@10": 0.03 }`. */
export type Metrics = Record<string, number>;

/**
 * Aggregates 0-based target ranks into HR@k (share of targets in the top k) and NDCG@k
 * (1 / log2(rank + 2) when in the top k: with one relevant item IDCG is 1).
 */
export function metricsFromRanks(ranks: ArrayLike<number>): Metrics {
  const out: Metrics = {};
  for (const k of CUTOFFS) {
    let hits = 0;
    let gain = 0;
    for (let i = 0; i < ranks.length; i++) {
      const r = ranks[i]!;
      if (r < k) {
        hits += 1;
        gain += 1 / Math.log2(r + 2);
      }
    }
    out[`HR@${k}`] = ranks.length ? hits / ranks.length : 0;
    out[`NDCG@${k}`] = ranks.length ? gain / ranks.length : 0;
  }
  return out;
}

/**
 * 0-based rank of `target` among all rows 1..V-1 of `scores`, with the rows in `excluded`
 * (the user's history, minus the target itself) taken out of the competition. Ties count
 * against the target, so a constant scorer gets no credit.
 */
export function rankOfTarget(scores: ArrayLike<number>, target: number, excluded: ReadonlySet<number>): number {
  const t = scores[target]!;
  let rank = 0;
  for (let row = 1; row < scores.length; row++) {
    if (row !== target && scores[row]! >= t && !excluded.has(row)) rank += 1;
  }
  return rank;
}

/** Indices of the `k` highest scores among rows 1..V-1 not in `excluded`, best first. */
export function topRows(scores: ArrayLike<number>, k: number, excluded: ReadonlySet<number>): number[] {
  const best: number[] = [];
  for (let row = 1; row < scores.length; row++) {
    if (excluded.has(row)) continue;
    const s = scores[row]!;
    if (best.length === k && s <= scores[best[k - 1]!]!) continue;
    let i = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(row);
    while (i > 0 && scores[best[i - 1]!]! < s) {
      best[i] = best[i - 1]!;
      i -= 1;
    }
    best[i] = row;
  }
  return best;
}
