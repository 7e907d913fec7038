/** Scenarios an arm may serve in place of what a page asked for: the ones that need no anchor item. */
export type ArmScenario = 'for-you' | 'trending' | 'recently-viewed';

/** One arm of an on-device A/B test. */
export interface ExperimentArm {
  /** Reported in `status().experiments` (and in the experiment's totals); unique within its experiment. */
  name: string;
  /** Relative share of devices assigned to it; default 1. 0 assigns no new device (one already there stays). */
  weight?: number;
  /**
   * What the arm serves in place of every list of the experiment: `trending` for a control arm
   * measured against the personal lists; absent, what the page asked for (the personal arm).
   */
  scenario?: ArmScenario;
}

/**
 * An on-device A/B test: each device is assigned one arm at random (WebCrypto), once, and keeps
 * it across page views (stored with consent; for this page only without). Every `recommend()`
 * and widget belongs to the first experiment unless it names another (`experiment`).
 */
export interface Experiment {
  /** Stable id: letters, digits, `.`, `_`, `-`, at most 64 characters. */
  id: string;
  /** Two or more arms. */
  arms: ExperimentArm[];
  /**
   * ISO 4217 code (e.g. `EUR`): also count the revenue of attributed purchases, at the catalog's
   * `price` of items priced in this currency (times a purchase's `context.quantity`, default 1).
   * Reports then carry revenue per device and its lift (clipped at 200 units a device a day).
   */
  currency?: string;
}

/** What one device counts for one experiment in one reporting period (one UTC day), each count clipped at its cap. */
export interface ExperimentCounts {
  /** Items of the experiment's lists that were shown (`impression` events with `context.experiment`). */
  impressions: number;
  /** Clicks on them. */
  clicks: number;
  /** `add_to_cart` of an item the experiment's lists showed within the 7 days before. */
  addToCarts: number;
  /** `purchase` of such an item. */
  purchases: number;
  /** Every purchase of the period, attributed or not. */
  allPurchases: number;
  /**
   * With the experiment's `currency`: what the attributed purchases cost, at the catalog's prices
   * in that currency (not clipped here; a report clips it at 200).
   */
  revenue?: number;
}

/** `status().experiments[id]`: this device's arm and what it counted today, from its own event log. */
export interface ExperimentStatus {
  arm: string;
  /** The reporting period: days since the epoch, UTC. */
  period: number;
  counts: ExperimentCounts;
}

/** What `reportExperiments()` did for one experiment's period. */
export interface ExperimentReportResult {
  experiment: string;
  /** The period reported (UTC days since the epoch); absent when there was none to report. */
  period?: number;
  /** False when nothing was sent (see `reason`). */
  participated: boolean;
  reason?: string;
  round?: string;
  /** `done` once the round published a sum with this device's counters in it. */
  phase?: string;
}
