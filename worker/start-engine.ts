import * as tf from '@tensorflow/tfjs-core';
import type { CatalogItem, Startup } from '../contract/types.js';
import type { ConsentState, EngineInit } from '../contract/worker-protocol.js';
import { modelCacheName } from '../contract/model-cache-name.js';
import { DurableLog } from './durable-log.js';
import { loadCatalog } from './load-catalog.js';
import { loadContentFor, loadModel, type LoadedModel } from './load-model.js';
import { type ModelFetch, modelCacheFetch } from './model-cache.js';
import { restorePersonalWeights } from './personalize-model.js';
import { Ranker } from './ranker.js';
import { selectBackend, type BackendChoice } from './select-backend.js';
import { ShopperState } from './shopper-state.js';

// How long close() waits for the model cache's background writes: bounded, as a revalidation
// hangs with the network.
export const CACHE_SETTLE_MS = 10_000;

/** Everything a started engine holds. */
export interface Running {
  init: EngineInit;
  choice: BackendChoice;
  loaded: LoadedModel;
  /** The shipped weights, to go back to when the shopper asks to be forgotten. */
  crowdWeights: tf.Tensor[];
  ranker: Ranker;
  /** The catalog as loaded, items the model cannot rank included (search finds them). */
  catalog: CatalogItem[];
  /** The event log: on the device with consent while storage works, else in memory (and said so). */
  log: DurableLog;
  shopper: ShopperState;
  consent: ConsentState;
  personalized: boolean;
  /** The model's Cache Storage fetch (with consent), whose background writes close() lets finish. */
  modelFetch: ModelFetch | undefined;
}

/**
 * Starts what an engine runs on: backend, model, catalog and event log, all at once, failing in a
 * fixed order (backend, model, catalog) whichever lost the race.
 * @param onDeleted called when another tab deletes the database
 */
export async function startEngine(
  init: EngineInit,
  onDeleted: () => void,
): Promise<{ running: Running; startup: Startup; started: number }> {
  // Everything that does not need the backend (downloads, catalog parsing, IndexedDB) runs while it starts.
  const started = performance.now();
  const timed = <T>(p: Promise<T>, key: Exclude<keyof Startup, 'modelSource'>) =>
    p.finally(() => (startup[key] = Math.round(performance.now() - started)));
  const startup: Startup = {
    backendMs: 0,
    modelMs: 0,
    catalogMs: 0,
    storageMs: 0,
    totalMs: 0,
    modelSource: 'network',
  };
  const backend = timed(selectBackend(init.backend, init.wasmPaths), 'backendMs');
  const granted = init.consent === 'granted';
  const log = new DurableLog(init, onDeleted);
  // The model is kept on the device only with consent, like everything else the SDK stores.
  const modelFetch = granted ? modelCacheFetch(modelCacheName(init.dbName), init.modelUrl) : undefined;
  const catalogLoad = timed(loadCatalog(init.catalog), 'catalogMs');
  const [choiceResult, model, catalogResult, storeResult] = await Promise.allSettled([
    backend,
    timed(loadModel(init.modelUrl, backend, modelFetch?.fetch, catalogLoad), 'modelMs'),
    catalogLoad,
    timed(log.open(init.consent), 'storageMs'),
  ]);
  if (
    choiceResult.status === 'rejected' ||
    model.status === 'rejected' ||
    catalogResult.status === 'rejected' ||
    storeResult.status === 'rejected'
  ) {
    if (model.status === 'fulfilled') model.value.model.dispose();
    log.close();
    // Report the first failure in a fixed order (backend, model, catalog, storage), not whichever lost the race.
    throw [choiceResult, model, catalogResult, storeResult].find(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    )!.reason;
  }
  const choice = choiceResult.value;
  const [loaded, catalog] = [model.value, catalogResult.value];
  try {
    await loadContentFor(loaded, catalog);
  } catch (error) {
    loaded.model.dispose();
    log.close();
    throw error;
  }
  if (modelFetch) {
    startup.modelSource = modelFetch.source();
    void modelFetch.prune();
  }
  const crowdWeights = loaded.encoder.getWeights().map((w) => tf.keep(tf.clone(w)));
  const personalized = log.device ? await restorePersonalWeights(log.device, loaded) : false;
  const running: Running = {
    init,
    choice,
    loaded,
    crowdWeights,
    ranker: new Ranker(loaded, catalog),
    catalog,
    log,
    shopper: new ShopperState(loaded.maxLen),
    consent: init.consent,
    personalized,
    modelFetch,
  };
  return { running, startup, started };
}
