import type { ClientWeighting } from './privacy/privatize-update.js';
import type { Phase } from './wire-format.js';

/**
 * Machine-readable reasons of a refusal (`{ error, code }`), where a client acts on them:
 * `duplicate` (already stored, nothing changed), `ticket_required` / `bad_ticket` / `ticket_used`
 * (admission), `identity_changed` (the client id is pinned to another key), `not_selected`
 * (checked in, but not drawn into the round's cohort).
 */
export type RefusalCode =
  'duplicate' | 'ticket_required' | 'bad_ticket' | 'ticket_used' | 'identity_changed' | 'not_selected';

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
