import type { RoundService } from '../../server/rounds/round-service.js';
import type { RoundStore } from '../../server/store/round-store.js';

/** Where sampled clients drop out: after advertising, after sharing keys, or after uploading. */
export type DropPoint = 'advertise' | 'share' | 'mask';

/**
 * Ends each phase of a simulated round as soon as every client that will submit to it has: the
 * server moves a phase on when all expected clients are in, or at its deadline, and clients that
 * drop out (a closed tab) never come, so the simulation would wait out every deadline. Knowing
 * who drops where, the driver moves the server's clock past the deadline at that moment instead,
 * which is what the deadline does in a deployment, minus the wait.
 */
export class PhaseDriver {
  /** Milliseconds added to the server's clock (see `now`). */
  private skew = 0;

  constructor(private readonly deadlineMs: number) {}

  /** The server's clock: wall time plus the skipped waits. */
  readonly now = (): number => Date.now() + this.skew;

  /**
   * Watches `roundId` (the round the cohort joins; found once it opens) until it ends, skipping
   * each phase's deadline once the phase has all the submissions it will get.
   */
  async drive(
    store: RoundStore,
    service: RoundService,
    cohort: number,
    drops: Readonly<Record<DropPoint, number>>,
    isOver: () => boolean,
  ): Promise<void> {
    const expected: Record<string, [table: Parameters<RoundStore['count']>[0] | 'candidates', count: number]> = {
      checkin: ['candidates', cohort],
      advertise: ['advertisements', cohort],
      share: ['share_senders', cohort - drops.advertise],
      mask: ['masked_inputs', cohort - drops.advertise - drops.share],
      consistency: ['consistency_signatures', cohort - drops.advertise - drops.share - drops.mask],
    };
    while (!isOver()) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const round = (await store.openRounds())[0];
      const want = round && expected[round.phase];
      if (!round || !want) continue;
      const [table, count] = want;
      const got = table === 'candidates' ? await store.candidateCount(round.id) : await store.count(table, round.id);
      if (got < count) continue;
      this.skew += this.deadlineMs;
      await service.tick();
    }
  }
}
