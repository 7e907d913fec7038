import { serverUrl } from '../../protocol/server-url.js';
import { mulberry32 } from '../../models/data/rng.js';
import { dpPositions } from '../../models/train/dp-positions.js';
import { nextItemTargetCount } from '../../models/train/batches.js';
import { federatedGradient } from '../../models/train/federated-gradient.js';
import { assignPart, federatedPart, flattenPart } from '../../models/train/local-finetune.js';
import { PocketrankError } from '../../contract/pocketrank-error.js';
import type { ContributionResult } from '../../contract/types.js';
import type { EventStore } from '../event-store.js';
import type { LoadedModel } from '../load-model.js';
import type { Ranker } from '../ranker.js';
import { createIdentity, type Identity } from '../../protocol/secagg/signed-keys.js';
import { withTrainingLock } from '../training-lock.js';
import { runRound, type RoundSession } from './round-runner.js';

interface FederationState {
  clientId: string;
  identity: Identity;
  /** Newest event sequence number at the last contribution: eligibility needs new events since (retention deletes never lower it). */
  contributedAt: number;
}

const STATE_KEY = 'federation-state';
const SESSION_KEY = 'federation-session';

/** This device's federation id and signing key, created on its first contribution or report. */
export async function federationState(store: EventStore): Promise<FederationState> {
  const saved = await store.getMeta<FederationState>(STATE_KEY);
  if (saved) return saved;
  // A random id and a non-extractable signing key, created on first contribution only.
  const state = { clientId: crypto.randomUUID(), identity: await createIdentity(), contributedAt: 0 };
  await store.putMeta(STATE_KEY, state);
  return state;
}

async function globalParams(server: string, version: number): Promise<Float32Array> {
  const response = await fetch(serverUrl(server, `/v1/models/${version}`));
  if (!response.ok)
    throw new PocketrankError(
      'internal',
      `model version ${version} is not available from ${server} (HTTP ${response.status})`,
    );
  return new Float32Array(await response.arrayBuffer());
}

/** Under Global Privacy Control this browser sends nothing to a federation server: `not_allowed`. */
export function refuseUnderGpc(what: string): void {
  if ((navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true)
    throw new PocketrankError('not_allowed', `Global Privacy Control is on: this browser does not ${what}`);
}

/**
 * Takes part in one federated round: fine-tunes the encoder of the round's global model on this
 * shopper's history, and hands the delta to the round runner, which clips, noises, quantizes and
 * masks it. Only the masked vector leaves the device. The serving weights are left as they were.
 */
export async function contributeToRound(args: {
  loaded: LoadedModel;
  ranker: Ranker;
  store: EventStore;
  history: readonly string[];
  server: string;
  minNewEvents: number;
  ticketUrl?: string;
  lockName: string;
  resumeOnly?: boolean;
}): Promise<ContributionResult> {
  const { loaded, ranker, store, history, server, minNewEvents } = args;
  refuseUnderGpc('contribute to federated training');
  const state = await federationState(store);
  const stored = await store.lastSeq();
  const saved = await store.getMeta<RoundSession>(SESSION_KEY);
  const session = saved?.server === server ? saved : undefined;
  if (!session && args.resumeOnly) return { participated: false, reason: 'no round in progress' };
  if (!session && stored - state.contributedAt < minNewEvents)
    return {
      participated: false,
      reason: `${stored - state.contributedAt} new events since the last contribution; ${minNewEvents} are needed`,
    };
  const rows = ranker.rowsOf(history);
  if (!session && rows.length < 2) return { participated: false, reason: 'fewer than two known items in the history' };
  const federatedRows = loaded.meta.federatedRows ?? [];
  // A DP server may federate only the model's public DP positions: its vector length says which.
  const dpCoordinates = dpPositions(loaded.encoder, loaded.meta);
  const partFor = (vectorLength: number) =>
    federatedPart(loaded.encoder, federatedRows, dpCoordinates?.length === vectorLength ? dpCoordinates : undefined);
  const run = () =>
    runRound({
      server,
      clientId: state.clientId,
      identity: state.identity,
      ...(args.ticketUrl && { ticket: () => fetchTicket(args.ticketUrl!, state.clientId) }),
      examples: nextItemTargetCount(rows, loaded.encoder.cfg.maxLen),
      ...(session && { session }),
      // The session holds this round's secrets; it lives in this device's IndexedDB only.
      persist: async (next) => store.putMeta(SESSION_KEY, next),
      update: async (info) => {
        const global = await globalParams(server, info.modelVersion);
        const part = partFor(info.vectorLength);
        if (global.length !== info.vectorLength || global.length !== part.size) {
          throw new PocketrankError(
            'model_load_failed',
            `the server's model (${global.length} values) does not match this model's federated part (${part.size})`,
          );
        }
        const serving = flattenPart(part);
        assignPart(part, global);
        try {
          // FedSGD: one gradient of this shopper's next-item loss; the server's Adam (FedAdam)
          // turns the cohort's mean into a step, as centralized training would (see the model card).
          const { gradient } = await federatedGradient(loaded.encoder, rows, {
            negatives: Math.min(1024, loaded.encoder.cfg.vocabSize - 2),
            rand: mulberry32(crypto.getRandomValues(new Uint32Array(1))[0]!),
            federatedRows,
            federatedCoordinates: part.coordinates && Array.from(part.coordinates),
          });
          return gradient.map((g) => -g);
        } finally {
          assignPart(part, serving);
          ranker.refresh();
        }
      },
    });
  const outcome = await withTrainingLock(args.lockName, run);
  if (!outcome.selected)
    return {
      participated: false,
      round: outcome.round,
      reason: "not drawn into this round's cohort; nothing was sent",
    };
  if (outcome.phase === 'done') await store.putMeta(STATE_KEY, { ...state, contributedAt: stored });
  return {
    participated: true,
    round: outcome.round,
    phase: outcome.phase,
    uploadedBytes: outcome.uploadedBytes,
    ...(outcome.abortReason && { reason: outcome.abortReason }),
  };
}

/**
 * Asks the shop's ticket endpoint to vouch for this device (with the shop's cookies: it knows
 * its shoppers, the federation server does not). A refusal is the shop's answer, not a fault.
 */
export async function fetchTicket(ticketUrl: string, clientId: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(ticketUrl, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId }),
    });
  } catch (error) {
    throw new PocketrankError(
      'not_allowed',
      `the shop's ticket endpoint ${ticketUrl} could not be reached: ${String(error)}`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { ticket?: unknown; error?: unknown };
  if (!response.ok || typeof body.ticket !== 'string')
    throw new PocketrankError(
      'not_allowed',
      `the shop's ticket endpoint did not vouch for this device (HTTP ${response.status}${typeof body.error === 'string' ? `: ${body.error}` : ''})`,
    );
  return body.ticket;
}
