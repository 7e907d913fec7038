/** Tensor backends the worker can run the model on. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Backend preference: `'auto'` picks the fastest real one available on this device. */
export type BackendPreference = 'auto' | BackendName;

/** A catalog attribute value; arrays mean "any of". */
export type AttributeValue = string | number | boolean;

/** One sellable item. Items the model has never seen are kept but cannot be ranked. */
export interface CatalogItem {
  /** The shop's item id, the same string passed to `track()`. */
  id: string;
  /** Free-form attributes used by `recommend({ filter })`. */
  attributes?: Record<string, AttributeValue | AttributeValue[]>;
}

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
   */
  federation?: { server: string | URL; minNewEvents?: number };
}

/** A scored recommendation. */
export interface Recommendation {
  /** Catalog item id. */
  itemId: string;
  /** Model score (higher is better); comparable only within one call. */
  score: number;
}

/** Arguments of `recommend()`. */
export interface RecommendQuery {
  /** How many items to return, 1 to 1000. */
  k: number;
  /** Item ids never to return. */
  exclude?: string[];
  /** Keep only items whose attributes match every key (array values match any element). */
  filter?: Record<string, AttributeValue | AttributeValue[]>;
  /** Also return items already in the shopper's recent history; default false. */
  includeSeen?: boolean;
}

/** WebGPU adapter facts, reported so a shop can see why a backend was or was not chosen. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** True for software or fallback adapters (SwiftShader, llvmpipe, WARP): not a GPU. */
  isSoftware: boolean;
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
  /** Events stored on this device. */
  storedEvents: number;
  /** Live tfjs tensors in the worker: stays flat across calls. */
  tensors: number;
  /** True when on-device personalized weights are in use. */
  personalized: boolean;
  /** With `options.federation`: the privacy the federation has spent so far, as its server reports it. */
  federation?: FederationPrivacy;
}

/** Differential-privacy accounting of a federation (DP-FedAvg with an RDP accountant). */
export interface FederationPrivacy {
  server: string;
  /** Epsilon spent so far; null when rounds ran without DP noise (unbounded). */
  epsilon: number | null;
  delta: number;
  /** The deployment's budget; null when none is set. */
  budget: number | null;
  rounds: number;
  noiseMultiplier: number;
  /** Set when the server could not be asked. */
  error?: string;
}

/** Options of `personalize()`. */
export interface PersonalizeOptions {
  /** Optimizer steps, 1 to 500; default 20. */
  steps?: number;
  /** Adam learning rate; default 0.002. */
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
