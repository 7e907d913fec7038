import { cosine } from '../rank/unit-rows.js';

/** The cut-off of the list metrics: a widget's row. */
export const LIST_K = 10;

/**
 * What lists of `LIST_K` items do, beside whether they hold the target: HR@10 and NDCG@10 of the
 * lists as shown, catalog coverage@10 (share of the `items` rankable items that appear in some
 * list) and intra-list diversity@10 (mean pairwise cosine distance of a list's items in the
 * given embedding space, averaged over lists).
 * @param unit item embeddings of unit length, [rows, dim] (see unitRows): one space for every method
 */
export function listMetrics(
  lists: readonly (readonly number[])[],
  targets: readonly number[],
  unit: Float32Array,
  dim: number,
  items: number,
): Record<string, number> {
  let hits = 0;
  let gain = 0;
  let distance = 0;
  const shown = new Set<number>();
  lists.forEach((list, u) => {
    const top = list.slice(0, LIST_K);
    const at = top.indexOf(targets[u]!);
    if (at >= 0) {
      hits += 1;
      gain += 1 / Math.log2(at + 2);
    }
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < top.length; i++) {
      shown.add(top[i]!);
      for (let j = i + 1; j < top.length; j++, pairs++) sum += 1 - cosine(unit, dim, top[i]!, top[j]!);
    }
    distance += pairs ? sum / pairs : 0;
  });
  const n = lists.length || 1;
  return {
    [`HR@${LIST_K}`]: hits / n,
    [`NDCG@${LIST_K}`]: gain / n,
    [`coverage@${LIST_K}`]: shown.size / items,
    [`ILD@${LIST_K}`]: distance / n,
  };
}
