import * as tf from '@tensorflow/tfjs-core';
import type { TrackedEvent } from '../contract/event-schema.js';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type {
  ContributionResult,
  Startup,
  PersonalizeOptions,
  PersonalizeResult,
  Recommendation,
  RecommendQuery,
  RecommenderStatus,
} from '../contract/types.js';
import type {
  ConsentState,
  EngineApi,
  EngineInit,
  FederationSettings,
  Outcome,
  StoredData,
} from '../contract/worker-protocol.js';
import { EventStore } from './event-store.js';
import { contributeToRound } from './federated/federated-client.js';
import { loadCatalog } from './load-catalog.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { type ModelFetch, modelCacheFetch } from './model-cache.js';
import { outcome } from './outcome.js';
import { personalizeModel, restorePersonalWeights } from './personalize-model.js';
import { Ranker } from './ranker.js';
import { selectBackend, type BackendChoice } from './select-backend.js';
import { ShopperState } from './shopper-state.js';

// How long close() waits for the model cache's background writes: bounded, as a revalidation
// hangs with the network.
const CACHE_SETTLE_MS = 10_000;

interface Running {
  init: EngineInit;
  choice: BackendChoice;
  loaded: LoadedModel;
  /** The shipped weights, to go back to when the shopper asks to be forgotten. */
  crowdWeights: tf.Tensor[];
  ranker: Ranker;
  /** Open only while consent is granted: without it nothing touches the device. */
  store: EventStore | undefined;
  /** Events of this page session while consent is not granted: used for ranking, never stored. */
  unstored: TrackedEvent[];
  shopper: ShopperState;
  consent: ConsentState;
  personalized: boolean;
  /** The model's Cache Storage fetch (with consent), whose background writes close() lets finish. */
  modelFetch: ModelFetch | undefined;
}

/** The worker-side engine: backend, model, catalog, on-device history and ranking. */
export class Engine implements EngineApi {
  private running: Running | undefined;
  private starting = false;
  private writes = 0;
  private startup: Startup | undefined;

  private get state(): Running {
    if (!this.running)
      throw new PocketrankError('closed', 'the engine is not running (init failed or close() was called)');
    return this.running;
  }

  init(init: EngineInit): Promise<Outcome<RecommenderStatus>> {
    return outcome(async () => {
      if (this.running || this.starting)
        throw new PocketrankError('invalid_argument', 'the engine is already initialized');
      this.starting = true;
      try {
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
        // The model is kept on the device only with consent, like everything else the SDK stores.
        const modelFetch = granted ? modelCacheFetch(`pocketrank:${init.dbName}:model`, init.modelUrl) : undefined;
        const [choiceResult, model, catalogResult, storeResult] = await Promise.allSettled([
          backend,
          timed(loadModel(init.modelUrl, backend, modelFetch?.fetch), 'modelMs'),
          timed(loadCatalog(init.catalog), 'catalogMs'),
          timed(granted ? EventStore.open(init.dbName) : Promise.resolve(undefined), 'storageMs'),
        ]);
        if (
          choiceResult.status === 'rejected' ||
          model.status === 'rejected' ||
          catalogResult.status === 'rejected' ||
          storeResult.status === 'rejected'
        ) {
          if (model.status === 'fulfilled') model.value.model.dispose();
          if (storeResult.status === 'fulfilled') storeResult.value?.close();
          // Report the first failure in a fixed order (backend, model, catalog, storage), not whichever lost the race.
          throw [choiceResult, model, catalogResult, storeResult].find(
            (r): r is PromiseRejectedResult => r.status === 'rejected',
          )!.reason;
        }
        const choice = choiceResult.value;
        const [loaded, catalog, store] = [model.value, catalogResult.value, storeResult.value];
        if (modelFetch) {
          startup.modelSource = modelFetch.source();
          void modelFetch.prune();
        }
        const crowdWeights = loaded.encoder.getWeights().map((w) => tf.keep(tf.clone(w)));
        const personalized = store ? await restorePersonalWeights(store, loaded) : false;
        this.running = {
          init,
          choice,
          loaded,
          crowdWeights,
          ranker: new Ranker(loaded, catalog),
          store,
          unstored: [],
          shopper: new ShopperState(loaded.maxLen),
          consent: init.consent,
          personalized,
          modelFetch,
        };
        if (store) await this.loadHistory();
        startup.totalMs = Math.round(performance.now() - started);
        this.startup = startup;
        return this.snapshot();
      } finally {
        this.starting = false;
      }
    });
  }

  /** Applies retention, then rebuilds the shopper state from the log. */
  private async loadHistory(): Promise<void> {
    const state = this.state;
    await state.store!.prune(state.init.retention.maxAgeMs, state.init.retention.maxEvents);
    state.shopper = ShopperState.from([...(await state.store!.allEvents()), ...state.unstored], state.loaded.maxLen);
  }

  ingest(events: TrackedEvent[]): Promise<Outcome<number>> {
    return outcome(async () => {
      const state = this.state;
      if (state.consent === 'granted') {
        state.store ??= await EventStore.open(state.init.dbName);
        await state.store.append(events);
        // Retention runs at start and every so many writes, so a long session stays bounded too.
        if (++this.writes % 64 === 0)
          await state.store.prune(state.init.retention.maxAgeMs, state.init.retention.maxEvents);
      } else {
        state.unstored.push(...events);
        state.unstored = state.unstored.slice(-state.init.retention.maxEvents);
      }
      // Out-of-order timestamps (events replayed from a queue) need the log's order, not arrival order.
      if (!state.shopper.apply(events)) {
        if (state.store) await this.loadHistory();
        else state.shopper = ShopperState.from(state.unstored, state.loaded.maxLen);
      }
      return events.length;
    });
  }

  recommend(query: RecommendQuery): Promise<Outcome<Recommendation[]>> {
    return outcome(() => this.state.ranker.rank(this.state.shopper, query));
  }

  setStock(updates: Record<string, boolean>): Promise<Outcome<void>> {
    return outcome(async () => this.state.ranker.setStock(updates));
  }

  consent(next: ConsentState): Promise<Outcome<void>> {
    return outcome(async () => {
      const state = this.state;
      if (next === state.consent) return;
      state.consent = next;
      if (next === 'granted') {
        // The shopper agreed: this session's events are kept from now on, like the ones to come.
        state.store = await EventStore.open(state.init.dbName);
        await state.store.append(state.unstored);
        state.unstored = [];
        await this.loadHistory();
      } else {
        // Withdrawn consent: what was stored goes; the session keeps ranking from memory.
        state.unstored = state.store ? await state.store.allEvents() : state.unstored;
        await this.eraseDevice();
      }
    });
  }

  forget(): Promise<Outcome<void>> {
    return outcome(async () => {
      const state = this.state;
      await this.eraseDevice();
      state.unstored = [];
      state.shopper = new ShopperState(state.loaded.maxLen);
      if (state.personalized) {
        state.loaded.encoder.setWeights(state.crowdWeights);
        state.ranker.refresh();
        state.personalized = false;
      }
    });
  }

  /** Deletes the database and every Cache Storage cache this SDK made on this origin. */
  private async eraseDevice(): Promise<void> {
    const state = this.state;
    state.store?.close();
    state.store = undefined;
    await EventStore.destroy(state.init.dbName);
    if (typeof caches !== 'undefined') {
      const names = (await caches.keys()).filter((n) => n.startsWith(`pocketrank:${state.init.dbName}`));
      await Promise.all(names.map((n) => caches.delete(n)));
    }
  }

  storedData(): Promise<Outcome<StoredData>> {
    return outcome(async () => {
      const state = this.state;
      return {
        consent: state.consent,
        events: state.store ? await state.store.allEvents() : [],
        sessionOnly: state.unstored.length,
        personalized: state.personalized,
      };
    });
  }

  personalize(options: Required<PersonalizeOptions>): Promise<Outcome<PersonalizeResult>> {
    return outcome(async () => {
      const state = this.state;
      const result = await personalizeModel({
        loaded: state.loaded,
        ranker: state.ranker,
        store: state.store,
        history: state.shopper.itemIds,
        lockName: `pocketrank-train:${state.init.dbName}`,
        options,
      });
      state.personalized = true;
      return result;
    });
  }

  contribute(federation: FederationSettings & { resumeOnly?: boolean }): Promise<Outcome<ContributionResult>> {
    return outcome(() => {
      const state = this.state;
      if (!state.store)
        throw new PocketrankError('not_allowed', 'storage consent is not granted; federated contribution needs it');
      return contributeToRound({
        ...state,
        store: state.store,
        history: state.shopper.itemIds,
        ...federation,
        lockName: `pocketrank-train:${state.init.dbName}`,
      });
    });
  }

  status(): Promise<Outcome<RecommenderStatus>> {
    return outcome(() => this.snapshot());
  }

  close(): Promise<Outcome<void>> {
    return outcome(async () => {
      const state = this.running;
      this.running = undefined;
      if (!state) return;
      state.ranker.dispose();
      state.crowdWeights.forEach((w) => w.dispose());
      state.loaded.model.dispose();
      state.store?.close();
      // The page may terminate the worker once this resolves: a refreshed manifest not yet
      // written would leave the stale one for the next start.
      await state.modelFetch?.settled(CACHE_SETTLE_MS);
    });
  }

  private async snapshot(): Promise<RecommenderStatus> {
    const { choice, loaded, ranker, store, init, consent, unstored, personalized } = this.state;
    return {
      backend: choice.backend,
      backendReason: choice.reason,
      ...(choice.adapter && { adapter: choice.adapter }),
      model: {
        id: loaded.meta.modelId,
        version: loaded.meta.modelVersion,
        url: init.modelUrl,
        numItems: loaded.meta.itemIds.length,
        maxHistory: loaded.maxLen,
      },
      rankableItems: ranker.rankable,
      unknownHistoryItems: new Set(this.state.shopper.itemIds.filter((id) => !ranker.knows(id))).size,
      consent,
      storedEvents: store ? await store.count() : 0,
      sessionEvents: unstored.length,
      tensors: tf.memory().numTensors,
      tensorBytes: tf.memory().numBytes,
      personalized,
      ...(this.startup && { startup: this.startup }),
    };
  }
}
