import { isItemInterest, type TrackedEvent } from '../contract/event-schema.js';

/** One entry of the model's input history. */
export interface HistoryEntry {
  itemId: string;
  type: TrackedEvent['type'];
}

const RECENT_VIEWS = 100;

/**
 * What the ranker needs to know about the shopper, folded from the event log in time order:
 * the interest sequence the model reads, the cart, what was bought, and recent views.
 */
export class ShopperState {
  /** Item interests (view, cart add, purchase), oldest first, immediate repeats collapsed. */
  history: HistoryEntry[] = [];
  readonly cart = new Set<string>();
  readonly purchased = new Set<string>();
  /** Distinct viewed items, newest first. */
  recentViews: string[] = [];
  newestTimestamp = -Infinity;

  constructor(private readonly maxHistory: number) {}

  /** Folds events in; false when one is older than what is already folded (the caller must rebuild in log order). */
  apply(events: readonly TrackedEvent[]): boolean {
    if (events.some((e) => e.timestamp < this.newestTimestamp)) return false;
    for (const e of events) this.fold(e);
    return true;
  }

  /** A fresh state from a whole log, any order. */
  static from(events: readonly TrackedEvent[], maxHistory: number): ShopperState {
    const state = new ShopperState(maxHistory);
    for (const e of [...events].sort((a, b) => a.timestamp - b.timestamp)) state.fold(e);
    return state;
  }

  private fold(e: TrackedEvent): void {
    this.newestTimestamp = Math.max(this.newestTimestamp, e.timestamp);
    const id = e.itemId;
    if (id === undefined) return;
    if (e.type === 'add_to_cart') this.cart.add(id);
    if (e.type === 'remove_from_cart') this.cart.delete(id);
    if (e.type === 'purchase') {
      this.purchased.add(id);
      this.cart.delete(id);
    }
    if (e.type === 'view') this.recentViews = [id, ...this.recentViews.filter((v) => v !== id)].slice(0, RECENT_VIEWS);
    if (!isItemInterest(e)) return;
    if (this.history[this.history.length - 1]?.itemId !== id) this.history.push({ itemId: id, type: e.type });
    if (this.history.length > this.maxHistory) this.history = this.history.slice(-this.maxHistory);
  }

  /** Item ids of the model history, oldest first. */
  get itemIds(): string[] {
    return this.history.map((h) => h.itemId);
  }
}
