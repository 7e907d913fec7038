import type { ClientWeighting } from './privacy/privatize-update.js';
import type { Phase } from './wire-format.js';

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

/** `POST /v1/checkin`: the round a device joined, its index in the cohort and its secret token. */
export interface CheckInReply {
  round: string;
  index: number;
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
