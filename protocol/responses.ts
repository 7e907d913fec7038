import type { ArmTotals, CountField } from './analytics/counter-vector.js';
import type { ClientWeighting } from './privacy/privatize-update.js';
import type { Phase } from './wire-format.js';

/**
 * Machine-readable reasons of a refusal (`{ error, code }`), where a client acts on them:
 * `duplicate` (already stored, nothing changed), `ticket_required` / `bad_ticket` / `ticket_used`
 * (admission), `identity_changed` (the client id is pinned to another key), `not_selected`
 * (checked in, but not drawn into the round's cohort), `already_reported` (this client's counters
 * of the experiment's period are in a round already).
 */
export type RefusalCode =
  | 'duplicate'
  | 'ticket_required'
  | 'bad_ticket'
  | 'ticket_used'
  | 'identity_changed'
  | 'not_selected'
  | 'already_reported';

/** A refusal's body: every 4xx carries one. */
export interface Refusal {
  error: string;
  code?: RefusalCode;
}

/** `GET /v1/rounds/:round/me` (bearer token): this client's index in the round's drawn cohort. */
export interface CohortSeat {
  index: number;
}

/** `GET /v1/rounds/:round`: public facts of a round, as the server reports them to polling clients. */
export interface RoundInfo {
  round: string;
  phase: Phase;
  modelVersion: number;
  /** Fewest survivors the round may sum; also sizes this client's noise share. */
  threshold: number;
  /** Shamir threshold within a neighbourhood. */
  shareThreshold: number;
  /** SecAgg+ graph degree (participants - 1: complete graph). */
  degree: number;
  /** Clients that checked in (the cohort 1..participants). */
  participants: number;
  vectorLength: number;
  /** L2 clip norm the update is clipped to. */
  clip: number;
  /** DP noise multiplier; this client adds its share of the noise. */
  noiseMultiplier: number;
  /** Fixed-point range per coordinate. */
  range: number;
  scale: number;
  abortReason: string | null;
  /** How this deployment weighs clients (examples 0: all alike); see clientWeight. */
  weighting: ClientWeighting;
  /** What the round sums: model updates, or an experiment's counters (then `analytics` says whose). */
  kind: 'model' | 'analytics';
  analytics?: {
    experiment: string;
    period: number;
    arms: string[];
    /** The currency the experiment's revenue is counted in (absent: no revenue fields). */
    currency?: string;
    /** Variance of the discrete Gaussian each client adds per coordinate (0 while check-in is open). */
    localVariance: number;
  };
}

/**
 * `POST /v1/checkin`: the round a device joined as a candidate and its secret token; its index
 * comes from `GET /v1/rounds/:round/me` once the cohort is drawn.
 */
export interface CheckInReply {
  round: string;
  token: string;
}

/**
 * `GET /v1/privacy`: what DP-FedAvg has spent. JSON has no Infinity, so an unbounded epsilon
 * (rounds without noise) and an absent budget are `null`.
 */
export interface PrivacyReport {
  epsilon: number | null;
  delta: number;
  budget: number | null;
  rounds: number;
  noiseMultiplier: number;
  /** What one more round at the largest cohort would bring epsilon to. */
  nextRoundEpsilon: number | null;
}

/** `GET /v1/rounds/:round/advertisements`: one signed key advertisement of the cohort (keys base64). */
export interface AdvertisementEntry {
  index: number;
  identityKey: string;
  cipherPublicKey: string;
  maskPublicKey: string;
  signature: string;
}

/** `GET /v1/rounds/:round/shares/:index`: the sealed share bundles addressed to one client. */
export interface SharesReply {
  /** Neighbours whose shares reached the server: the pairwise masks this client must add. */
  sharedKeys: number[];
  bundles: { from: number; sealed: string }[];
}

/** `GET /v1/rounds/:round/survivors`: who uploaded a masked input, and their consistency signatures once collected. */
export interface SurvivorsReply {
  survivors: number[];
  sharedKeys: number[];
  signatures: { index: number; signature: string }[];
}

/** Every submission (`POST /v1/rounds/:round/...`) answers this once stored. */
export interface Accepted {
  accepted: true;
}

/** One arm's published figures: noisy totals (counts) and the rates read from them (null: too few to say). */
export interface ArmFigures {
  totals: ArmTotals;
  /** clicks / impressions. */
  ctr: number | null;
  /** add-to-carts of shown items / impressions. */
  addToCartRate: number | null;
  /** devices with an attributed purchase / devices. */
  conversion: number | null;
  /** Attributed revenue per device, in the experiment's currency (only when it has one). */
  revenuePerDevice?: number | null;
}

/** An arm's lift over control (conversion, or revenue per device: arm / control − 1) with its 95% interval. */
export interface LiftInterval {
  lift: number;
  low: number;
  high: number;
}

/** One reporting period of an experiment: the sum of its analytics rounds. */
export interface ExperimentPeriod {
  /** UTC days since the epoch, and the same as a date. */
  period: number;
  date: string;
  rounds: number;
  /** Devices whose counters the period's sums hold (exact: the survivors of its rounds). */
  devices: number;
  arms: Record<string, ArmFigures>;
  /** Each arm's conversion lift over control in this period alone. */
  lifts: Record<string, LiftInterval | null>;
  /** Each arm's lift in revenue per device (only when the experiment has a currency). */
  revenueLifts?: Record<string, LiftInterval | null>;
  /** Standard deviation of the noise on each total of an arm, in counts. */
  noiseSd: Partial<Record<CountField, number>>;
  /** What the period spent (its costliest round). */
  epsilon: number;
}

/**
 * `GET /v1/experiments/:id`: what the experiment's analytics rounds published. Totals are sums
 * over devices and periods (a device active on several days counts once a day); every figure
 * carries the mechanism's noise, and the intervals count it beside the sampling of devices.
 */
export interface ExperimentReport {
  experiment: string;
  /** The arms, in the experiment's order; the first is the control the lifts are measured against. */
  arms: string[];
  control: string;
  periods: ExperimentPeriod[];
  /** Over every period. */
  devices: number;
  totals: Record<string, ArmFigures>;
  lifts: Record<string, LiftInterval | null>;
  revenueLifts?: Record<string, LiftInterval | null>;
  /** The currency revenue is counted in (absent: the experiment counts no revenue). */
  currency?: string;
  noiseSd: Partial<Record<CountField, number>>;
  privacy: {
    mechanism: 'distributed discrete Gaussian';
    /** The most one period spent; and every period composed (a device that reported them all). */
    epsilonPerPeriod: number;
    epsilon: number;
    delta: number;
    /** The experiment's budget over all its periods (null: none). */
    budget: number | null;
  };
}
