import { cohortThresholds, neighborGraph } from '../../protocol/secagg/neighbor-graph.js';
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
 * in 80% of rounds; the server's unmaskSum then aborts the round (server/secagg/unmask-sum.ts).
 * The thresholds are the server's own (cohortThresholds).
 */
export function refusingNeighbourhood(shape: RoundShape): number | undefined {
  const n = shape.cohortSize;
  const { degree, shareThreshold } = cohortThresholds(n, shape.thresholdFraction, shape.neighbors);
  // A complete graph deals every share to the whole cohort: one count serves every client.
  const graph = degree >= n - 1 ? undefined : neighborGraph(shape.round, n, degree);
  const answers = (c: number) => !shape.dropAt.has(c);
  let responders = 0;
  if (!graph) for (let c = 1; c <= n; c++) if (answers(c)) responders += 1;
  for (let c = 1; c <= n; c++) {
    // The shares of clients that left right after advertising were never dealt, and are not needed.
    if (shape.dropAt.get(c) === 'advertise') continue;
    const back = graph ? [c, ...graph.neighbors(c)].filter(answers).length : responders;
    if (back < shareThreshold) return c;
  }
  return undefined;
}
