import * as tf from '@tensorflow/tfjs-core';
import { isItemInterest, type TrackedEvent } from '../src/event-schema.js';
import { PocketrankError } from '../src/pocketrank-error.js';
import type { ContributionResult, PersonalizeOptions, PersonalizeResult, Recommendation, RecommendQuery, RecommenderStatus } from '../src/types.js';
import type { EngineApi, EngineInit, Outcome } from '../src/worker-protocol.js';
import { EventStore } from './event-store.js';
import { contributeToRound } from './federated/federated-client.js';
import { loadCatalog } from './load-catalog.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { outcome } from './outcome.js';
import { personalizeModel, restorePersonalWeights } from './personalize-model.js';
import { Ranker } from './ranker.js';
import { selectBackend, type BackendChoice } from './select-backend.js';

interface Running {
  choice: BackendChoice;
  loaded: LoadedModel;
  ranker: Ranker;
  store: EventStore;
  modelUrl: string;
  /** Newest item interests, oldest first: kept in memory so recommend() never waits on IndexedDB. */
  history: string[];
  newestTimestamp: number;
  dbName: string;
  personalized: boolean;
}

/** The worker-side engine: backend, model, catalog, on-device history and ranking. */
export class Engine implements EngineApi {
  private running: Running | undefined;
  private starting = false;

  private get state(): Running {
    if (!this.running) throw new PocketrankError('closed', 'the engine is not running (init failed or close() was called)');
    return this.running;
  }

  init(init: EngineInit): Promise<Outcome<RecommenderStatus>> {
    return outcome(async () => {
      if (this.running || this.starting) throw new PocketrankError('invalid_argument', 'the engine is already initialized');
      this.starting = true;
      try {
        const choice = await selectBackend(init.backend, init.wasmPaths);
        const [model, catalogResult, storeResult] = await Promise.allSettled([loadModel(init.modelUrl), loadCatalog(init.catalog), EventStore.open(init.dbName)]);
        if (model.status === 'rejected' || catalogResult.status === 'rejected' || storeResult.status === 'rejected') {
          if (model.status === 'fulfilled') model.value.model.dispose();
          if (storeResult.status === 'fulfilled') storeResult.value.close();
          // Report the first failure in a fixed order (model, catalog, storage), not whichever lost the race.
          throw [model, catalogResult, storeResult].find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
        }
        const [loaded, catalog, store] = [model.value, catalogResult.value, storeResult.value];
        const personalized = await restorePersonalWeights(store, loaded);
        const ranker = new Ranker(loaded, catalog);
        const { items: history, newestTimestamp } = await store.recentItems(loaded.maxLen);
        this.running = { choice, loaded, ranker, store, modelUrl: init.modelUrl, history, newestTimestamp, dbName: init.dbName, personalized };
        return this.snapshot();
      } finally {
        this.starting = false;
      }
    });
  }

  ingest(events: TrackedEvent[]): Promise<Outcome<number>> {
    return outcome(async () => {
      const state = this.state;
      await state.store.append(events);
      const interests = events.filter(isItemInterest);
      let newest = state.newestTimestamp;
      let inOrder = true;
      for (const e of interests) {
        if (e.timestamp < newest) inOrder = false;
        newest = Math.max(newest, e.timestamp);
      }
      if (inOrder) {
        for (const e of interests) if (state.history[state.history.length - 1] !== e.itemId) state.history.push(e.itemId!);
        state.history = state.history.slice(-state.loaded.maxLen);
        state.newestTimestamp = newest;
      } else {
        // Out-of-order timestamps (events replayed from a queue) need the log's order, not arrival order.
        ({ items: state.history, newestTimestamp: state.newestTimestamp } = await state.store.recentItems(state.loaded.maxLen));
      }
      return events.length;
    });
  }

  recommend(query: RecommendQuery): Promise<Outcome<Recommendation[]>> {
    return outcome(() => this.state.ranker.rank(this.state.history, query));
  }

  personalize(options: Required<PersonalizeOptions>): Promise<Outcome<PersonalizeResult>> {
    return outcome(async () => {
      const state = this.state;
      const result = await personalizeModel({ ...state, lockName: `pocketrank-train:${state.dbName}`, options });
      state.personalized = true;
      return result;
    });
  }

  contribute(federation: { server: string; minNewEvents: number; resumeOnly?: boolean }): Promise<Outcome<ContributionResult>> {
    return outcome(() => {
      const state = this.state;
      return contributeToRound({ ...state, ...federation, lockName: `pocketrank-train:${state.dbName}` });
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
      state.loaded.model.dispose();
      state.store.close();
    });
  }

  private async snapshot(): Promise<RecommenderStatus> {
    const { choice, loaded, ranker, store, modelUrl } = this.state;
    return {
      backend: choice.backend,
      backendReason: choice.reason,
      ...(choice.adapter && { adapter: choice.adapter }),
      model: { id: loaded.meta.modelId, version: loaded.meta.modelVersion, url: modelUrl, numItems: loaded.meta.itemIds.length, maxHistory: loaded.maxLen },
      rankableItems: ranker.rankable,
      storedEvents: await store.count(),
      tensors: tf.memory().numTensors,
      personalized: this.state.personalized,
    };
  }
}
