import type { Phase } from '../../protocol/wire-format.js';

/** The longest a status request is held (ms): under common proxies' and browsers' idle cut-offs. */
export const MAX_HOLD_MS = 30_000;

interface Waiter {
  wake: () => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Long-polling of a round's phase. Every waiting client used to ask for the round's status every
 * few hundred milliseconds, which for a cohort of thousands is the server's main load while
 * nothing changes; a held request is answered once the phase moves (or the hold runs out), so
 * each client asks about once per phase.
 */
export class PhaseWatch {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private closed = false;
  private held = 0;

  /**
   * @param maxHeld requests held at once; past it a request is answered at once (each holds a socket).
   * @param pollMs how often a held request re-reads without a wake-up: with several server
   *   processes a notice from another may be lost (a dropped LISTEN connection), and this bounds the delay.
   */
  constructor(
    private readonly maxHeld = Infinity,
    private readonly pollMs = Infinity,
  ) {}

  /** Wakes everyone holding on `roundId`; called on every committed phase change, in any process. */
  changed(roundId: string): void {
    const set = this.waiters.get(roundId);
    if (!set) return;
    this.waiters.delete(roundId);
    for (const w of set) w.wake();
  }

  /**
   * Answers `read()` once its phase is not one of `phases`, or after `holdMs` (capped at
   * MAX_HOLD_MS), or when the server closes, whichever comes first. A wake-up re-reads rather than
   * trusting the notice: a phase change inside a transaction that rolled back moved nothing.
   */
  async hold<T extends { phase: Phase }>(
    roundId: string,
    phases: readonly Phase[],
    holdMs: number,
    read: () => Promise<T>,
  ): Promise<T> {
    const until = Date.now() + Math.min(holdMs, MAX_HOLD_MS);
    if (this.held >= this.maxHeld) return read();
    this.held++;
    try {
      for (;;) {
        const info = await read();
        const left = until - Date.now();
        if (!phases.includes(info.phase) || left <= 0 || this.closed) return info;
        await this.next(roundId, Math.min(left, this.pollMs));
      }
    } finally {
      this.held--;
    }
  }

  /** Releases every held request (the server is shutting down; clients ask again elsewhere). */
  close(): void {
    this.closed = true;
    for (const roundId of [...this.waiters.keys()]) this.changed(roundId);
  }

  private next(roundId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(roundId);
      if (!set) this.waiters.set(roundId, (set = new Set()));
      const waiter: Waiter = {
        wake: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          set.delete(waiter);
          if (set.size === 0 && this.waiters.get(roundId) === set) this.waiters.delete(roundId);
          resolve();
        }, ms),
      };
      set.add(waiter);
    });
  }
}
