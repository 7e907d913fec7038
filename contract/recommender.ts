import type { TrackInput } from './event-schema.js';
import type { ExperimentReportResult } from './experiment-types.js';
import type { RerankedItem, RerankOptions, SearchHit, SearchOptions } from './search-types.js';
import type {
  CatalogItem,
  ConsentState,
  StoredData,
  ContributionResult,
  PersonalizeOptions,
  PersonalizeResult,
  Recommendation,
  RecommenderStatus,
  RecommendQuery,
} from './types.js';

/**
 * A running recommender: a worker holding the model and the shopper's history. If the worker
 * dies it is restarted once and calls made meanwhile are answered there; after a second death
 * every call rejects with `worker_failed`.
 */
export interface Recommender {
  /**
   * `first-list` while `recommend()` is answered from `options.firstList` because the model is
   * still on its way (every other call waits for it); `ready` once the engine serves.
   */
  readonly stage: 'first-list' | 'ready';
  /** Resolves when the engine serves; rejects with the start's error if it failed after the first list. */
  ready(): Promise<void>;
  /**
   * Records one shopper event. Validated here and queued; costs microseconds.
   * @throws PocketrankError `invalid_event` (nothing is stored) or `closed`.
   */
  track(event: TrackInput): void;
  /** Top-k items for the stored history, ranked on the device. Pending events are written first. */
  recommend(query: RecommendQuery): Promise<Recommendation[]>;
  /**
   * Resolves once every tracked event is stored: in IndexedDB, or in memory when storage is denied
   * or failing (`status().storage` says which, and why). Events the page still holds when it is
   * hidden or goes away are journalled and stored by the next start.
   */
  flush(): Promise<void>;
  /** Backend, model and storage facts (`storage`: durable or memory-only, and why). */
  status(): Promise<RecommenderStatus>;
  /**
   * Fine-tunes the model on this shopper's stored history, on the device, without any server.
   * Runs in the worker between recommend() calls; one tab at a time. The personalized weights
   * stay in IndexedDB for this model version.
   * @throws PocketrankError `invalid_argument` (too little history, bad options) or `busy` (another tab is training).
   */
  personalize(options?: PersonalizeOptions): Promise<PersonalizeResult>;
  /**
   * Takes part in one federated round with the server of `options.federation`, when this device
   * is eligible: a local fine-tuning delta, clipped, noised and masked, is all that is sent.
   * @throws PocketrankError `invalid_argument` (no federation configured), `not_allowed` (Global Privacy Control) or `busy`.
   */
  contribute(): Promise<ContributionResult>;
  /**
   * Reports this device's counts of each experiment (`options.experiments`) to the server of
   * `options.federation`: for every finished day of the last week it was active and has not
   * reported, one analytics round, in which its clipped counters get their share of the discrete
   * DP noise and are masked before they leave; the server publishes only the sum over devices.
   * Call it only for shoppers who opted in; without the call nothing is sent.
   * @throws PocketrankError `invalid_argument` (no federation or no experiments configured),
   * `not_allowed` (Global Privacy Control, or no stored history) or `busy`.
   */
  reportExperiments(): Promise<ExperimentReportResult[]>;
  /**
   * Sets storage consent. `'granted'` stores this session's events and the ones to come;
   * `'denied'` deletes what is stored and keeps ranking from memory for this page only.
   */
  consent(state: ConsentState): Promise<void>;
  /**
   * Deletes everything pocketrank stored on this device (the IndexedDB database, its caches,
   * personalized weights) and forgets this session's history; resolves when it is gone. It stays
   * gone until the shopper acts again: impressions (what widgets show, even as they refresh) are
   * not recorded until the next other tracked event.
   */
  forget(): Promise<void>;
  /** What is stored about the shopper on this device, exactly (for a privacy panel). */
  storedData(): Promise<StoredData>;
  /**
   * Marks catalog items in or out of stock; out-of-stock items are never recommended.
   * @throws PocketrankError `invalid_argument` for ids not in the catalog (nothing changes).
   */
  setStock(updates: Record<string, boolean>): Promise<void>;
  /**
   * Adds catalog items or replaces them (by id), at run time: a product the model was not trained
   * on is ranked from its content (title, brand, category, attributes) when the model ships a
   * content encoder, in every scenario, with a `new` reason. Stock set with setStock() is kept
   * unless the item says otherwise. Resolves with how many were added and replaced.
   * @throws PocketrankError `invalid_argument` for a bad item (naming it and the field; nothing changes then).
   */
  upsertItems(items: CatalogItem[]): Promise<{ added: number; replaced: number }>;
  /**
   * Searches the catalog on the device: titles, brands, categories and worded attributes, with
   * typo tolerance and the last word completed as a prefix; matches are then ordered by relevance
   * blended with the shopper's history (the blend shipped with the model). The query and the
   * history never leave the device; the query is recorded as a `search` event unless `record` is false.
   * @throws PocketrankError `invalid_argument` for an empty, over-long or non-string query, or bad options (nothing is recorded then).
   */
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>;
  /**
   * Re-orders a shop's own results (its search engine's, a category page's) by the shopper's
   * history, on the device: every id comes back once per time it was given, those the catalog
   * does not have at the end in their original order.
   * @throws PocketrankError `invalid_argument` for a bad id list (not an array of strings, over 1,000 ids) or options.
   */
  rerank(itemIds: string[], options?: RerankOptions): Promise<RerankedItem[]>;
  /** Writes pending events, lets the model cache finish its background writes (up to 10 s), frees the model and stops the worker. Idempotent. */
  close(): Promise<void>;
}
