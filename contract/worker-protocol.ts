import type { PocketrankErrorCode } from './pocketrank-error.js';
import type { TrackedEvent } from './event-schema.js';
import type { ConsentState } from './types.js';
import type { RerankedItem, SearchHit, SearchOptions } from './search-types.js';
import type { ExperimentReportResult } from './experiment-types.js';
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

/**
 * Events as the page hands them over: numbered per page session (`tab`, from `first` on), so a
 * batch that reaches storage twice (replayed from the page-hide journal, or re-sent after the
 * worker restarted) is stored once.
 */
export interface EventBatch {
  /** Random id of the page session (one recommender) that tracked the events. */
  tab: string;
  /** Sequence number of `events[0]` in that session, from 1. */
  first: number;
  events: TrackedEvent[];
}

/** What the worker did with a batch. */
export interface IngestResult {
  /** Events it did not have before. */
  fresh: number;
  /** True when storage is failing and the batch is only in the worker's memory: the page keeps it for its page-hide journal. */
  held: boolean;
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
  /** Batches earlier pages journalled as they went away, to store (once) before the history is read. */
  replay: EventBatch[];
  /** The configured experiments, whose counts `status()` reports (the arms are the page's). */
  experiments: ExperimentCounting[];
}

export type { ConsentState, StoredData };

/** What the worker needs of an experiment to count it: its id, and the currency its revenue is counted in. */
export interface ExperimentCounting {
  id: string;
  currency?: string;
}

/** The object the worker exposes with comlink. */
export interface EngineApi {
  /**
   * Takes the Web Lock `name` for the worker's lifetime and resolves once it holds it (false when
   * this context has no Web Locks): the page learns the worker died when the lock frees.
   */
  hold(name: string): Promise<boolean>;
  init(init: EngineInit): Promise<Outcome<RecommenderStatus>>;
  ingest(batch: EventBatch): Promise<Outcome<IngestResult>>;
  recommend(query: RecommendQuery): Promise<Outcome<Recommendation[]>>;
  search(
    query: string,
    options: Required<Omit<SearchOptions, 'filter' | 'record'>> & Pick<SearchOptions, 'filter'>,
  ): Promise<Outcome<SearchHit[]>>;
  rerank(itemIds: string[], explain: boolean): Promise<Outcome<RerankedItem[]>>;
  setStock(updates: Record<string, boolean>): Promise<Outcome<void>>;
  upsertItems(items: CatalogItem[]): Promise<Outcome<{ added: number; replaced: number }>>;
  consent(state: ConsentState): Promise<Outcome<void>>;
  forget(): Promise<Outcome<void>>;
  storedData(): Promise<Outcome<StoredData>>;
  status(): Promise<Outcome<RecommenderStatus>>;
  personalize(options: Required<PersonalizeOptions>): Promise<Outcome<PersonalizeResult>>;
  /** With `resumeOnly`, only finishes a round a reloaded page left open. */
  contribute(federation: FederationSettings & { resumeOnly?: boolean }): Promise<Outcome<ContributionResult>>;
  /** Reports one experiment's unreported finished periods through analytics rounds (see reportExperiment). */
  reportExperiment(
    federation: FederationSettings,
    experiment: ExperimentCounting & { arms: string[]; arm: string },
  ): Promise<Outcome<ExperimentReportResult[]>>;
  close(): Promise<Outcome<void>>;
}
