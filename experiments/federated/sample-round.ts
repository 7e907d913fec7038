import { type Rng, mulberry32, shuffleInPlace } from '../../models/data/rng.js';
import type { DropPoint } from './phase-driver.js';

/** Who takes part in one simulated round, and where each leaving client leaves. */
export interface RoundSample {
  /** Indices of the users in the round's cohort. */
  cohort: number[];
  /** The users that drop out, with the point after which each leaves. */
  dropAt: Map<number, DropPoint>;
  /** How many leave at each point. */
  drops: Record<DropPoint, number>;
  /**
   * A client's own generator for its local training (negative sampling): seeded by the round
   * and the user, so the training does not depend on the order in which the clients of a round
   * happen to reach it, and a run is the same whether it sums through SecAgg or exactly.
   */
  clientRand: (user: number) => () => number;
}

const POINTS: DropPoint[] = ['advertise', 'share', 'mask'];

/**
 * Samples a round's cohort from `users` users: with `participation`, every user independently
 * with probability `rate` (Poisson sampling, as the accountant assumes), at most `maxCohort`, and
 * a `dropout` share of them leaving at a random point; without it, the first `clientsPerRound`
 * of a random order. Draws from `rand` in a fixed order, so a resumed run samples the same.
 */
export function sampleRound(
  rand: Rng,
  users: number,
  options: { clientsPerRound: number; participation?: { rate: number; maxCohort: number; dropout: number } },
): RoundSample {
  const poisson = options.participation;
  const order = shuffleInPlace(
    Array.from({ length: users }, (_, i) => i),
    rand,
  );
  const cohort = poisson
    ? order.filter(() => rand() < poisson.rate).slice(0, poisson.maxCohort)
    : order.slice(0, options.clientsPerRound);
  const dropAt = new Map<number, DropPoint>();
  const drops: Record<DropPoint, number> = { advertise: 0, share: 0, mask: 0 };
  if (poisson)
    for (const u of cohort)
      if (rand() < poisson.dropout) {
        const point = POINTS[Math.floor(rand() * POINTS.length)]!;
        dropAt.set(u, point);
        drops[point] += 1;
      }
  const roundSeed = Math.floor(rand() * 2 ** 32);
  // Knuth's multiplicative hash spreads consecutive user indices over the seed space.
  const clientRand = (user: number) => mulberry32((roundSeed ^ Math.imul(user + 1, 0x9e3779b1)) >>> 0);
  return { cohort, dropAt, drops, clientRand };
}
