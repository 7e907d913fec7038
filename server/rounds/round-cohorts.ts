import { type NeighborGraph } from '../../protocol/secagg/neighbor-graph.js';
import { roundGraph, type RoundParams } from '../../protocol/secagg/secagg-client.js';
import type { RoundRow, RoundStore } from '../store/round-store.js';
import { ProtocolError } from './protocol-error.js';

/**
 * What a round's cohort fixes once check-in closes, computed once and answered from: its size
 * and its SecAgg+ graph. With thousands of clients, counting the cohort per status request was
 * most of the server's time while a large round unmasked (profiled), and scanning it per
 * request made a round quadratic. Only open rounds are asked about: bounded caches suffice.
 */
export class RoundCohorts {
  private graphs = new Map<string, NeighborGraph | undefined>();

  constructor(private readonly store: RoundStore) {}

  /** Clients that checked in: a live count while check-in is open, the drawn cohort after. */
  async size(r: RoundRow): Promise<number> {
    return r.phase === 'checkin' ? this.store.candidateCount(r.id) : r.cohort;
  }

  /** Round parameters of the secure-aggregation code (graph included), once the cohort is drawn. */
  params(r: RoundRow): RoundParams {
    const cohortSize = r.cohort;
    return {
      round: r.id,
      threshold: r.share_threshold || r.threshold,
      minSurvivors: r.threshold,
      vectorLength: r.vector_length,
      ...(r.degree > 0 && { graph: { cohortSize, degree: r.degree } }),
    };
  }

  /** `index` and its neighbours, ascending, in a SecAgg+ round; undefined in the complete graph (everyone). */
  neighborhood(r: RoundRow, index: number): number[] | undefined {
    // Keyed by what fixes the graph, so no process answers from a graph of another cohort.
    const key = `${r.id}/${r.cohort}/${r.degree}`;
    if (!this.graphs.has(key)) {
      if (this.graphs.size >= 64) this.graphs.clear();
      this.graphs.set(key, roundGraph(this.params(r)));
    }
    const graph = this.graphs.get(key);
    if (!graph) return undefined;
    if (!Number.isInteger(index) || index < 1 || index > graph.size)
      throw new ProtocolError(404, `index ${index} is not in round ${r.id}`);
    return [index, ...graph.neighbors(index)].sort((a, b) => a - b);
  }

  /** Those of `table` in `index`'s neighbourhood (the whole table in the complete graph). */
  inNeighborhood(table: 'advertisements' | 'share_senders', r: RoundRow, index: number): Promise<number[]> {
    return this.among(table, r.id, this.neighborhood(r, index));
  }

  /** Those of `table` among `peers` (a neighbourhood), or the whole table when there are none. */
  among(table: 'advertisements' | 'share_senders', roundId: string, peers: number[] | undefined): Promise<number[]> {
    return peers ? this.store.present(table, roundId, peers) : this.store.indices(table, roundId);
  }
}
