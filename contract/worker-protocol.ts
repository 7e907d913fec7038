import type { PocketrankErrorCode } from './pocketrank-error.js';
import type { TrackedEvent } from './event-schema.js';
import type { ConsentState } from './types.js';
import type {
  StoredData,
  BackendPreference,
  CatalogItem,
  ContributionResult,
  PersonalizeOptions,
  PersonalizeResult,
  Recommendation,
  RecommendQuery,
  RecommenderStatus,
} from './types.js';

/**
 * Result envelope for every engine call. Comlink forwards only an Error's name and
 * message, so the worker returns failures as data and the client rethrows them typed.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: PocketrankErrorCode; message: string };

/** `options.federation` once validated: absolute URLs, defaults filled in. */
export interface FederationSettings {
  server: string;
  minNewEvents: number;
  /** The shop's ticket endpoint, when its federation server admits by ticket. */
  ticketUrl?: string;
}

/** What the client sends to start the engine; URLs are absolute by now. */
export interface EngineInit {
  modelUrl: string;
  catalog: CatalogItem[] | string;
  backend: BackendPreference;
  dbName: string;
  wasmPaths: string;
  consent: ConsentState;
  retention: { maxAgeMs: number; maxEvents: number };
}

export type { ConsentState, StoredData };

/** The object the worker exposes with comlink. */
export interface EngineApi {
  init(init: EngineInit): Promise<Outcome<RecommenderStatus>>;
  ingest(events: TrackedEvent[]): Promise<Outcome<number>>;
  recommend(query: RecommendQuery): Promise<Outcome<Recommendation[]>>;
  setStock(updates: Record<string, boolean>): Promise<Outcome<void>>;
  consent(state: ConsentState): Promise<Outcome<void>>;
  forget(): Promise<Outcome<void>>;
  storedData(): Promise<Outcome<StoredData>>;
  status(): Promise<Outcome<RecommenderStatus>>;
  personalize(options: Required<PersonalizeOptions>): Promise<Outcome<PersonalizeResult>>;
  /** With `resumeOnly`, only finishes a round a reloaded page left open. */
  contribute(federation: FederationSettings & { resumeOnly?: boolean }): Promise<Outcome<ContributionResult>>;
  close(): Promise<Outcome<void>>;
}
