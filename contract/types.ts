import type { Experiment, ExperimentStatus } from './experiment-types.js';
import type { PrivacyReport } from '../protocol/responses.js';
import type { TrackedEvent } from './event-schema.js';

/** Tensor backends the worker can run the model on. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Backend preference: `'auto'` picks the fastest real one available on this device. */
export type BackendPreference = 'auto' | BackendName;

/** A catalog attribute value; arrays mean "any of". */
export type AttributeValue = string | number | boolean;

/** One sellable item. Items the model has never seen are kept but cannot be ranked. */
/** A price: an amount in a currency (ISO 4217 code, e.g. `EUR`). Printed with `Intl.NumberFormat` in the page's locale. */
export interface Price {
  amount: number;
  currency: string;
}

/** What a shop shows of an item: carried by every recommendation of it. */
export interface ItemDisplay {
  /** Product name. */
  title?: string;
  /** Product page (http(s), or relative to the catalog's URL). */
  url?: string;
  /** Product image (http(s), or relative to the catalog's URL). */
  image?: string;
  price?: Price;
  brand?: string;
  /** A category, or its path from the top (`['Makeup', 'Nails']`). */
  category?: string | string[];
}

/** One item of the shop's catalog. Fields not listed here are kept as they are. */
export interface CatalogItem extends ItemDisplay {
  /** The shop's item id, the same string passed to `track()`. */
  id: string;
  /** Free-form attributes used by `recommend({ filter })`. */
  attributes?: Record<string, AttributeValue | AttributeValue[]>;
  /** False for items that cannot be sold now; they are never recommended. Default true; change it at run time with `setStock()`. */
  inStock?: boolean;
  /** Recent sales or views; orders the `trending` scenario (and `for-you` before there is any history). Default 0. */
  popularity?: number;
}

/** Whether the shopper allows pocketrank to store data on this device. */
export type ConsentState = 'granted' | 'denied';

/** Options of {@link createRecommender}. */
export interface RecommenderOptions {
  /** URL of the model's `model.json` (tfjs layers format). */
  model: string | URL;
  /** The catalog, or the URL of a JSON file holding `{ items: CatalogItem[] }` or `CatalogItem[]`. Defaults to `catalog.json` beside the model. */
  catalog?: CatalogItem[] | string | URL;
  /** Backend to run on; default `'auto'`. A forced backend that cannot start rejects with `backend_unavailable`. */
  backend?: BackendPreference;
  /** IndexedDB database name; default `'pocketrank'`. */
  dbName?: string;
  /** URL of `pocketrank.worker.js`; default: beside the SDK bundle. */
  workerUrl?: string | URL;
  /** Folder holding the tfjs WASM binaries; default: the worker's folder. */
  wasmPaths?: string | URL;
  /** How long tracked events wait before being written, in ms; default 250. `recommend()` and `flush()` write at once. */
  flushIntervalMs?: number;
  /**
   * Opt in to federated fine-tuning with this server. Without it the SDK never contacts a
   * federation server. `minNewEvents` (default 5) new events are needed between contributions.
   * `ticketUrl`: the shop's own endpoint that vouches for this device when the server admits by
   * ticket (see docs/server.md); the worker POSTs `{ clientId }` to it, with the shop's cookies,
   * and expects `{ ticket }`.
   */
  federation?: { server: string | URL; minNewEvents?: number; ticketUrl?: string | URL };
  /**
   * Storage consent at start; default `'granted'`. With `'denied'` nothing is written to the
   * device (no database, no cache): events rank this page session from memory only, until `consent('granted')`.
   */
  consent?: ConsentState;
  /**
   * URL of a first list (`top.json` beside the model, written by `npm run train`): with it,
   * `createRecommender` resolves as soon as this few-KB file is there, and `recommend()` answers
   * `trending` and `for-you` (without `filter`, `pin` or `boost`) from it until the model is
   * ready (`stage`, `ready()`); widgets then refresh into the engine's lists. A list that fails to
   * load is skipped (the engine is waited for).
   */
  firstList?: string | URL;
  /** Stored events older than `maxAgeDays` (default 180) or beyond the newest `maxEvents` (default 5000) are deleted, oldest first. */
  retention?: { maxAgeDays?: number; maxEvents?: number };
  /** On-device A/B tests: the arm a device is in decides what its lists serve (see {@link Experiment}). */
  experiments?: Experiment[];
}

/** Everything pocketrank keeps about the shopper on this device, as `storedData()` shows it. */
export interface StoredData {
  consent: ConsentState;
  /** The event log in IndexedDB, oldest first. */
  events: (TrackedEvent & { seq?: number })[];
  /** Events of this page session held in memory only (consent not granted). */
  sessionOnly: number;
  /** True when fine-tuned weights for this shopper are in use (and stored, with consent). */
  personalized: boolean;
}

/**
 * What a widget shows:
 * - `for-you`: ranked by the model on the shopper's history; `trending` until there is one.
 * - `similar`: items whose model embeddings are closest to `item`.
 * - `bought-together`: what the model expects next after `item`, or after the cart's items.
 * - `recently-viewed`: the shopper's own recent views, newest first.
 * - `trending`: catalog popularity, the cold-start fallback.
 */
export type Scenario = 'for-you' | 'similar' | 'bought-together' | 'recently-viewed' | 'trending';

/** Why an item was recommended. */
export interface Explanation {
  /**
   * `history`: the stored event `because` contributed most to its score (removing it lowers the score most);
   * `similar` / `cart`: close to / expected with the `because` item; `recent`: viewed lately;
   * `trending`: popular in the shop; `pinned`: placed by the shop; `new`: a product the model was
   * not trained on, ranked from its content (title, brand, category, attributes).
   */
  kind: 'history' | 'similar' | 'cart' | 'recent' | 'trending' | 'pinned' | 'new';
  /** The item of the history event or anchor behind it, with that event's type (and the item's title, when the catalog has one). */
  because?: { itemId: string; type: string; title?: string };
}

/** A scored recommendation, with its item's display fields from the catalog. */
export interface Recommendation extends ItemDisplay {
  /** Catalog item id. */
  itemId: string;
  /** Score (higher is better); comparable only within one call. */
  score: number;
  /** Why it is here; always set (the `because` item needs `explain: true` for `for-you`). */
  reason: Explanation;
  /**
   * The experiment whose arm served this list, when experiments are configured: a page that
   * renders the list itself tracks its `impression` and `click` events with
   * `context: { experiment }`, as `<pocketrank-recs>` does, so they count for that experiment.
   */
  experiment?: string;
}

/** Arguments of `recommend()`. */
export interface RecommendQuery {
  /** How many items to return, 1 to 1000. */
  k: number;
  /** Which list to build; default `for-you`. */
  scenario?: Scenario;
  /**
   * 0 (default) ranks by relevance alone; up to 1, the list is re-ranked by maximal marginal
   * relevance on the model's item embeddings, so it is not k near-copies of one product.
   */
  diversity?: number;
  /** Anchor item of `similar` (required) and `bought-together` (default: the cart). */
  item?: string;
  /** Item ids never to return. */
  exclude?: string[];
  /** Keep only items whose attributes match every key (array values match any element). */
  filter?: Record<string, AttributeValue | AttributeValue[]>;
  /** Also return items in the shopper's recent history; default false for `for-you`, true otherwise. */
  includeSeen?: boolean;
  /** Also return items the shopper bought; default false. */
  includePurchased?: boolean;
  /** Also return items in the shopper's cart; default false. */
  includeInCart?: boolean;
  /** Items placed first, in this order (when sellable, in stock and not excluded). */
  pin?: string[];
  /** Added to these items' scores (model scores are logits: +1 is a strong nudge). */
  boost?: Record<string, number>;
  /** Find, for `for-you`, the history event that contributed most to each item (one extra batched encoder pass). */
  explain?: boolean;
  /** The experiment whose arm decides this list; default the first of `options.experiments`. */
  experiment?: string;
}

/** WebGPU adapter facts, reported so a shop can see why a backend was or was not chosen. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** True for software or fallback adapters (SwiftShader, llvmpipe, WARP): not a GPU. */
  isSoftware: boolean;
}

/** Where start-up time went, in ms from the worker's init (phases overlap: downloads run while the backend starts). */
export interface Startup {
  backendMs: number;
  modelMs: number;
  catalogMs: number;
  storageMs: number;
  totalMs: number;
  /** Where the model came from: 'cache' (Cache Storage on this device, no download) or 'network'. */
  modelSource: 'network' | 'cache';
}

/** Why events are kept in memory only: no consent, storage denied or failing, the quota, or another tab's upgrade. */
export type MemoryOnlyCause = 'consent' | 'unavailable' | 'quota' | 'upgraded' | 'failed';

/** `status().storage`: whether events survive this page. */
export interface StorageStatus {
  /** `durable`: written to IndexedDB; `memory-only`: kept for this page session only, lost when it ends. */
  state: 'durable' | 'memory-only';
  /** Set when memory-only. */
  cause?: MemoryOnlyCause;
  /** Set when memory-only: what happened, in words. */
  reason?: string;
  /**
   * Events tracked right before an earlier page of this shop went away (so not yet in IndexedDB)
   * that this start recovered from the page-hide journal.
   */
  recovered: number;
}

/** Snapshot returned by `status()`. */
export interface RecommenderStatus {
  /** Backend the model runs on. */
  backend: BackendName;
  /** Why this backend was chosen (e.g. "webgpu adapter is software (swiftshader)"). */
  backendReason: string;
  /** WebGPU adapter seen at start-up, when there was one. */
  adapter?: AdapterInfo;
  /** Model identity from its metadata. */
  model: { id: string; version: string; url: string; numItems: number; maxHistory: number };
  /** Catalog items the model can rank. */
  rankableItems: number;
  /**
   * Items of the stored history the catalog does not list (kept, since the catalog may lag the
   * shop, but not ranked on).
   */
  unknownHistoryItems: number;
  /** Storage consent in force. */
  consent: ConsentState;
  /** Events stored on this device. */
  storedEvents: number;
  /** Events held in memory only, for this page session (consent not granted, or storage failing: see `storage`). */
  sessionEvents: number;
  /** Where new events are kept, and why not on the device when they are not. */
  storage: StorageStatus;
  /** Times the SDK restarted its worker after it died (at most once; a second death is `worker_failed`). */
  workerRestarts: number;
  /** By experiment id: this device's arm and what it counted today (see {@link ExperimentStatus}). */
  experiments: Record<string, ExperimentStatus>;
  /** Live tfjs tensors in the worker: stays flat across calls. */
  tensors: number;
  /** Bytes held by those tensors (the model included). */
  tensorBytes: number;
  /** True when on-device personalized weights are in use. */
  personalized: boolean;
  /** Start-up phases of this worker. */
  startup?: Startup;
  /**
   * The catalog's search index, once built: it builds in the background shortly after start-up
   * (or at the first search), in small chunks, so the first lists do not wait for it.
   */
  searchIndex?: { items: number; buildMs: number };
  /**
   * With `options.federation`, once this page has called `contribute()`: the privacy the
   * federation has spent so far, as its server reports it. Before that the server is not contacted.
   */
  federation?: FederationPrivacy;
}

/**
 * Differential-privacy accounting of a federation (DP-FedAvg with an RDP accountant): the
 * server's `GET /v1/privacy` report, with the server it came from.
 */
export interface FederationPrivacy extends Omit<PrivacyReport, 'nextRoundEpsilon'> {
  server: string;
  /** Set when the server could not be asked. */
  error?: string;
}

/** Options of `personalize()`. */
export interface PersonalizeOptions {
  /** Optimizer steps, 1 to 500; default 10 (see the model card for what `npm run simulate` measured). */
  steps?: number;
  /** Adam learning rate; default 0.0005. */
  learningRate?: number;
}

/** What `personalize()` did. */
export interface PersonalizeResult {
  steps: number;
  lossBefore: number;
  lossAfter: number;
  durationMs: number;
}

/** What `contribute()` did. */
export interface ContributionResult {
  /** False when this device was not eligible (see `reason`); nothing was sent then. */
  participated: boolean;
  reason?: string;
  round?: string;
  /** `done` when the round published a new model with this device's update in it. */
  phase?: string;
  /** Bytes of the masked update this device uploaded. */
  uploadedBytes?: number;
}
