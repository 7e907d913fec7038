/**
 * A counting semaphore for in-process simulations: at most `max` holders at once, the rest
 * wait in arrival order. A release hands its slot straight to the next in line, so the count
 * never depends on the order in which a waiter and a newcomer resume.
 */
export class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`slots need a positive integer maximum; got ${max}`);
  }

  /** Slots taken now. */
  get inUse(): number {
    return this.held;
  }

  /** Resolves once this caller holds a slot. */
  async acquire(): Promise<void> {
    if (this.held < this.max) {
      this.held++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Gives a slot back (to the next waiter, if any). */
  release(): void {
    if (this.held === 0) throw new Error('release() without a held slot');
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}
