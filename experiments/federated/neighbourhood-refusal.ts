import {
  defaultDegree,
  graphDegree,
  neighborGraph,
  neighborhoodThreshold,
} from '../../protocol/secagg/neighbor-graph.js';
import type { DropPoint } from './phase-driver.js';

/** One round's cohort as the server sets it up, and where its leaving clients leave. */
export interface RoundShape {
  /** The round's id: it seeds the SecAgg+ graph, as the server's does. */
  round: string;
  /** Clients 1..n. */
  cohortSize: number;
  /** Cohort index (1..n) → the point after which that client leaves. */
  dropAt: ReadonlyMap<number, DropPoint>;
  thresholdFraction: number;
  /** Requested SecAgg+ degree; 0 = automatic (defaultDegree). */
  neighbors: number;
}

/**
 * The first client whose secrets cannot be rebuilt, or undefined when the round unmasks. In
 * SecAgg+ a client's self-mask seed (if it uploaded) or mask key (if it shared keys and left
 * before uploading) is Shamir-shared over itself and its k neighbours, and the server needs the
 * neighbourhood threshold of those shares back from clients still there to answer unmasking.
 * A cohort can keep far more than its threshold and still lose one neighbourhood: with 10% of
 * 950 clients leaving, k = 40 and threshold 0.8 (33 of 41), some neighbourhood loses 9 or more
 * in almost every round; the server's unmaskSum then aborts the round (server/secagg/unmask-sum.ts).
 */
export function refusingNeighbourhood(shape: RoundShape): number | undefined {
  const n = shape.cohortSize;
  const threshold = Math.max(2, Math.ceil(shape.thresholdFraction * n));
  const degree = graphDegree(n, shape.neighbors || defaultDegree(n));
  const complete = degree >= n - 1;
  const needed = complete ? threshold : neighborhoodThreshold(degree, shape.thresholdFraction);
  const answers = (c: number) => !shape.dropAt.has(c);
  // The shares of clients that left right after advertising were never dealt, and are not needed.
  const holders = (c: number): number[] => (complete ? [] : [c, ...graph!.neighbors(c)]);
  const graph = complete ? undefined : neighborGraph(shape.round, n, degree);
  let responders = 0;
  for (let c = 1; c <= n; c++) if (answers(c)) responders += 1;
  for (let c = 1; c <= n; c++) {
    if (shape.dropAt.get(c) === 'advertise') continue;
    const back = complete ? responders : holders(c).filter(answers).length;
    if (back < needed) return c;
  }
  return undefined;
}
