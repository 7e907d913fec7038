import type { EvalCase } from '../data/leave-one-out.js';
import type { Scorer } from './evaluate.js';

/** Most-popular baseline: the same scores for everyone, counted on training items only. */
export function popularityScorer(train: readonly number[][], vocabSize: number): Scorer {
  const counts = new Float32Array(vocabSize);
  for (const seq of train) for (const row of seq) counts[row]! += 1;
  return { name: 'popularity', scoreBatch: (cases) => cases.map(() => counts) };
}

/**
 * Item-KNN baseline (item-based collaborative filtering): cosine similarity of items by
 * co-occurrence in the same user's training sequence; a user's score for j sums sim(i, j)
 * over the items i in their history.
 */
export function itemKnnScorer(train: readonly number[][], vocabSize: number): Scorer {
  const counts = new Float32Array(vocabSize);
  const cooc: Map<number, number>[] = Array.from({ length: vocabSize }, () => new Map());
  for (const seq of train) {
    const distinct = [...new Set(seq)];
    for (const i of distinct) counts[i]! += 1;
    for (const i of distinct) {
      const row = cooc[i]!;
      for (const j of distinct) if (j !== i) row.set(j, (row.get(j) ?? 0) + 1);
    }
  }
  const sims = cooc.map((row, i) => {
    const js = new Int32Array(row.size);
    const ss = new Float32Array(row.size);
    let n = 0;
    for (const [j, c] of row) {
      js[n] = j;
      ss[n] = c / Math.sqrt(counts[i]! * counts[j]!);
      n += 1;
    }
    return { js, ss };
  });
  return {
    name: 'itemknn',
    scoreBatch: (cases: readonly EvalCase[]) =>
      cases.map((c) => {
        const scores = new Float32Array(vocabSize);
        for (const i of new Set(c.history)) {
          const { js, ss } = sims[i]!;
          for (let n = 0; n < js.length; n++) scores[js[n]!]! += ss[n]!;
        }
        return scores;
      }),
  };
}
