import type { DeviceCounts } from '../../protocol/analytics/counter-vector.js';

/**
 * The replay model of the experiment simulation: what a simulated shopper does with the list
 * its arm shows, from whether the list holds its real next item (its leave-one-out test item).
 * A shown next item is clicked with `click`, then carted with `cart`, then bought with `buy`
 * (an attributed purchase); a list without it still gets a browsing click with `browse`; and
 * the shopper buys elsewhere in the shop with `organic` (a purchase the lists did not earn).
 */
export interface ReplayModel {
  listLength: number;
  click: number;
  cart: number;
  buy: number;
  browse: number;
  organic: number;
}

export const DEFAULT_REPLAY: ReplayModel = {
  listLength: 10,
  click: 0.7,
  cart: 0.7,
  buy: 0.7,
  browse: 0.1,
  organic: 0.05,
};

/** A uniform double in [0, 1) from the CSPRNG (53 bits). */
export function cryptoUniform(): number {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi! * 2 ** 21 + (lo! >>> 11)) / 2 ** 53;
}

/** One shopper's day: its counts, given whether its list holds its next item. */
export function replayShopper(hit: boolean, model: ReplayModel, uniform = cryptoUniform): DeviceCounts {
  let clicks = 0;
  let addToCarts = 0;
  let purchases = 0;
  if (hit) {
    if (uniform() < model.click) {
      clicks = 1;
      if (uniform() < model.cart) {
        addToCarts = 1;
        if (uniform() < model.buy) purchases = 1;
      }
    }
  } else if (uniform() < model.browse) clicks = 1;
  const organic = uniform() < model.organic ? 1 : 0;
  return { impressions: model.listLength, clicks, addToCarts, purchases, allPurchases: purchases + organic };
}

/** The probability that a shopper whose list holds its next item converts (an attributed purchase). */
export const conversionGivenHit = (model: ReplayModel): number => model.click * model.cart * model.buy;
