import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { neighborGraph } from '../../protocol/secagg/neighbor-graph.js';
import { refusingNeighbourhood } from '../../experiments/federated/neighbourhood-refusal.js';
import type { DropPoint } from '../../experiments/federated/phase-driver.js';

const shape = (cohortSize: number, dropAt: Map<number, DropPoint>, thresholdFraction: number, neighbors = 0) => ({
  round: 'r1',
  cohortSize,
  dropAt,
  thresholdFraction,
  neighbors,
});

describe("which rounds SecAgg+'s neighbourhoods can unmask", () => {
  it('on a complete graph, asks only that the cohort keep its threshold', () => {
    const drops = (k: number) => new Map(Array.from({ length: k }, (_, i): [number, DropPoint] => [i + 1, 'share']));
    // 10 clients at 2/3: 7 must answer.
    expect(refusingNeighbourhood(shape(10, drops(3), 2 / 3))).toBeUndefined();
    expect(refusingNeighbourhood(shape(10, drops(4), 2 / 3))).toBeDefined();
  });

  it("refuses a round that keeps 98% of its cohort when one client's neighbourhood lost too many", () => {
    // Degree 8: a client's secrets sit with itself and 8 neighbours, 6 of the 9 must answer.
    const graph = neighborGraph('r1', 200, 8);
    const [a, b, c, d] = graph.neighbors(1);
    const near = new Map<number, DropPoint>([
      [a!, 'mask'],
      [b!, 'share'],
      [c!, 'mask'],
      [d!, 'advertise'],
    ]);
    expect(refusingNeighbourhood(shape(200, near, 2 / 3, 8))).toBeDefined();
    // Three lost there is within the neighbourhood's margin.
    near.delete(d!);
    expect(refusingNeighbourhood(shape(200, near, 2 / 3, 8))).toBeUndefined();
  });

  it('finds that a tenth leaving 950-client rounds breaks threshold 0.8 in most rounds and 2/3 rarely', () => {
    const rand = mulberry32(7);
    const sample = () =>
      new Map(
        Array.from({ length: 950 }, (_, i) => i + 1)
          .filter(() => rand() < 0.1)
          .map((c): [number, DropPoint] => [c, (['advertise', 'share', 'mask'] as const)[Math.floor(rand() * 3)]!]),
      );
    const refused = (fraction: number) =>
      Array.from({ length: 20 }, () => refusingNeighbourhood(shape(950, sample(), fraction))).filter(
        (c) => c !== undefined,
      ).length;
    // Measured over 400 such rounds: 80% refused at 0.8, none at 2/3.
    expect(refused(0.8)).toBeGreaterThanOrEqual(12);
    expect(refused(2 / 3)).toBeLessThanOrEqual(2);
  });
});
