import type { EventStore } from './event-store.js';
import * as tf from '@tensorflow/tfjs-core';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type {
  CatalogItem,
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
  ExperimentCounting,
  EngineInit,
  EventBatch,
  FederationSettings,
  IngestResult,
  Outcome,
  StoredData,
} from '../contract/worker-protocol.js';
import { holdLifeLock } from './hold-life-lock.js';
import { CACHE_SETTLE_MS, startEngine, type Running } from './start-engine.js';
import { contributeToRound, refuseUnderGpc } from './federated/federated-client.js';
import { reportExperiment } from './federated/report-experiment.js';
import type { ExperimentReportResult } from '../contract/experiment-types.js';
import { parseCatalog } from '../contract/parse-catalog.js';
import { outcome } from './outcome.js';
import { loadContentFor } from './load-model.js';
import { experimentCounts, periodOf, type PriceOf } from './experiment-counts.js';
import { Ranker } from './ranker.js';
import { personalizeModel } from './personalize-model.js';
import { ShopperState } from './shopper-state.js';
import { Searcher } from './searcher.js';
import type { RerankedItem, SearchHit, SearchOptions } from '../contract/search-types.js';

/** The worker-side engine: backend, model, catalog, on-device history and ranking. */
export class Engine implements EngineApi {
  private running: Running | undefined;
  private starting = false;
  private startup: Startup | undefined;
  /** The catalog's search index: built after start-up, in the background. */
  private searcher: Searcher | undefined;
  /** Calls in flight per ranker, and replaced rankers waiting for theirs to finish. */
  private readonly rankerUsers = new Map<Ranker, number>();
  private readonly retired = new Set<Ranker>();

  private get state(): Running {
    if (!this.running)
      throw new PocketrankError('closed', 'the engine is not running (init failed or close() was called)');
    return this.running;
  }

  hold(name: string): Promise<boolean> {
    return holdLifeLock(name);
  }

  init(init: EngineInit): Promise<Outcome<RecommenderStatus>> {
    return outcome(async () => {
      if (this.running || this.starting)
        throw new PocketrankError('invalid_argument', 'the engine is already initialized');
      this.starting = true;
      try {
        const { running, startup, started } = await startEngine(init, () => this.forgotElsewhere());
        this.running = running;
        const { log } = running;
        // What earlier pages journalled as they went away is stored (once) before the history is read.
        for (const batch of init.replay) log.recovered += (await log.append(batch)).fresh.length;
        this.rebuild();
        startup.totalMs = Math.round(performance.now() - started);
        this.startup = startup;
        // After the first list can be served: the index builds in chunks between calls.
        this.searcher = new Searcher(running.catalog, running.loaded.meta.search);
        return this.snapshot();
      } finally {
        this.starting = false;
      }
    });
  }

  /** Folds the whole log into a fresh shopper state. */
  private rebuild(): void {
    const state = this.state;
    state.shopper = ShopperState.from(state.log.events, state.loaded.maxLen);
  }

  /** Another tab deleted the database: this session's history and personal weights go with it. */
  private forgotElsewhere(): void {
    if (!this.running) return;
    this.rebuild();
    this.dropPersonalWeights();
  }

  private dropPersonalWeights(): void {
    const state = this.state;
    if (!state.personalized) return;
    state.loaded.encoder.setWeights(state.crowdWeights);
    state.ranker.refresh();
    state.personalized = false;
  }

  ingest(batch: EventBatch): Promise<Outcome<IngestResult>> {
    return outcome(async () => {
      const state = this.state;
      const { fresh, reread, held } = await state.log.append(batch);
      // Out-of-order timestamps (events replayed from a queue) need the log's order, not arrival order.
      if (reread || !state.shopper.apply(fresh)) this.rebuild();
      return { fresh: fresh.length, held };
    });
  }

  /**
   * Runs a call on the current ranker, which an upsertItems() meanwhile replaces but does not
   * free until the calls using it are done (they await tensors and the search index).
   */
  private async withRanker<T>(call: (ranker: Ranker) => Promise<T>): Promise<T> {
    const ranker = this.state.ranker;
    this.rankerUsers.set(ranker, (this.rankerUsers.get(ranker) ?? 0) + 1);
    try {
      return await call(ranker);
    } finally {
      const left = this.rankerUsers.get(ranker)! - 1;
      if (left > 0) this.rankerUsers.set(ranker, left);
      else {
        this.rankerUsers.delete(ranker);
        if (this.retired.delete(ranker)) ranker.dispose();
      }
    }
  }

  /** Frees a replaced ranker now, or once its last call is done. */
  private retire(ranker: Ranker): void {
    if (this.rankerUsers.has(ranker)) this.retired.add(ranker);
    else ranker.dispose();
  }

  recommend(query: RecommendQuery): Promise<Outcome<Recommendation[]>> {
    return outcome(() => this.withRanker((ranker) => ranker.rank(this.state.shopper, query)));
  }

  search(
    query: string,
    options: Required<Omit<SearchOptions, 'filter' | 'record'>> & Pick<SearchOptions, 'filter'>,
  ): Promise<Outcome<SearchHit[]>> {
    return outcome(async () => {
      const searcher = this.searcher!;
      this.state.ranker.checkFilter(options.filter);
      // The index first: the ranker is taken once it is built, so an upsert meanwhile is seen.
      await searcher.whenBuilt();
      return this.withRanker((ranker) => searcher.search(ranker, this.state.shopper, query, options));
    });
  }

  rerank(itemIds: string[], explain: boolean): Promise<Outcome<RerankedItem[]>> {
    return outcome(() =>
      this.withRanker((ranker) => this.searcher!.rerank(ranker, this.state.shopper, itemIds, explain)),
    );
  }

  setStock(updates: Record<string, boolean>): Promise<Outcome<void>> {
    return outcome(async () => this.state.ranker.setStock(updates));
  }

  upsertItems(items: CatalogItem[]): Promise<Outcome<{ added: number; replaced: number }>> {
    return outcome(async () => {
      const state = this.state;
      let parsed: CatalogItem[];
      try {
        parsed = parseCatalog(items, '(upsertItems)');
      } catch (error) {
        throw new PocketrankError('invalid_argument', (error as Error).message);
      }
      const current = new Map(state.ranker.catalogItems().map((item) => [item.id, item]));
      let replaced = 0;
      for (const item of parsed) {
        const before = current.get(item.id);
        if (before) replaced += 1;
        // Stock set at run time stays unless the update says otherwise.
        current.set(
          item.id,
          before && item.inStock === undefined && before.inStock !== undefined
            ? { ...item, inStock: before.inStock }
            : item,
        );
      }
      // The first new product brings the content encoder (nothing changes if it cannot be fetched).
      await loadContentFor(state.loaded, parsed);
      const next = new Ranker(state.loaded, [...current.values()]);
      this.retire(state.ranker);
      state.ranker = next;
      await this.searcher!.upsert(parsed);
      return { added: parsed.length - replaced, replaced };
    });
  }

  consent(next: ConsentState): Promise<Outcome<void>> {
    return outcome(async () => {
      const state = this.state;
      if (next === state.consent) return;
      state.consent = next;
      // Granted: this session's events are kept from now on, like the ones to come.
      // Withdrawn: what was stored goes; the session keeps ranking from memory.
      if (next === 'granted') await state.log.grant();
      else {
        await state.log.deny();
        await this.eraseCaches();
      }
      this.rebuild();
    });
  }

  forget(): Promise<Outcome<void>> {
    return outcome(async () => {
      const state = this.state;
      await state.log.forget();
      await this.eraseCaches();
      this.rebuild();
      this.dropPersonalWeights();
    });
  }

  /** Deletes every Cache Storage cache this SDK made on this origin. */
  private async eraseCaches(): Promise<void> {
    const state = this.state;
    try {
      if (typeof caches === 'undefined') return;
      const names = (await caches.keys()).filter((n) => n.startsWith(`pocketrank:${state.init.dbName}`));
      await Promise.all(names.map((n) => caches.delete(n)));
    } catch {
      // Cache Storage denied (an opaque origin): nothing was cached either.
    }
  }

  storedData(): Promise<Outcome<StoredData>> {
    return outcome(async () => {
      const state = this.state;
      return {
        consent: state.consent,
        events: await state.log.storedEvents(),
        sessionOnly: state.log.memoryCount,
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
        store: state.log.device,
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
      const store = this.deviceStore('federated contribution needs');
      return contributeToRound({
        ...state,
        store,
        history: state.shopper.itemIds,
        ...federation,
        lockName: `pocketrank-train:${state.init.dbName}`,
      });
    });
  }

  reportExperiment(
    federation: FederationSettings,
    experiment: ExperimentCounting & { arms: string[]; arm: string },
  ): Promise<Outcome<ExperimentReportResult[]>> {
    return outcome(() => {
      const state = this.state;
      const store = this.deviceStore('experiment reports need');
      refuseUnderGpc('report experiment counters');
      return reportExperiment({
        store,
        events: state.log.events,
        server: federation.server,
        ...(federation.ticketUrl && { ticketUrl: federation.ticketUrl }),
        lockName: `pocketrank-train:${state.init.dbName}`,
        experiment: experiment.id,
        arms: experiment.arms,
        arm: experiment.arm,
        ...(experiment.currency && { currency: experiment.currency, priceOf: this.pricesIn(experiment.currency) }),
        now: Date.now(),
      });
    });
  }

  /** The durable event store (`needs`: what needs it); `not_allowed`, saying why, while history is in memory only. */
  private deviceStore(needs: string): EventStore {
    const store = this.state.log.device;
    if (!store)
      throw new PocketrankError(
        'not_allowed',
        `${needs} the history stored on the device: ${this.state.log.status.reason}`,
      );
    return store;
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
      state.log.close();
      // The page may terminate the worker once this resolves: a refreshed manifest not yet
      // written would leave the stale one for the next start.
      await state.modelFetch?.settled(CACHE_SETTLE_MS);
    });
  }

  /** The catalog's price of an item in one currency (an item priced in another has none). */
  private pricesIn(currency: string): PriceOf {
    const { ranker } = this.state;
    return (itemId) => {
      const price = ranker.item(itemId)?.price;
      return price?.currency === currency ? price.amount : undefined;
    };
  }

  private async snapshot(): Promise<RecommenderStatus> {
    const { choice, loaded, ranker, log, init, consent, personalized } = this.state;
    const period = periodOf(Date.now());
    // The whole history, stored or held in memory (without consent the counts last as long as the page).
    const events = init.experiments.length ? log.events : [];
    // The arm is the page's to fill in: it assigned it.
    const experiments = Object.fromEntries(
      init.experiments.map(({ id, currency }) => [
        id,
        {
          arm: '',
          period,
          counts: experimentCounts(events, id, period, currency ? this.pricesIn(currency) : undefined),
        },
      ]),
    );
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
      storedEvents: log.storedCount,
      sessionEvents: log.memoryCount,
      storage: log.status,
      workerRestarts: 0,
      experiments,
      tensors: tf.memory().numTensors,
      tensorBytes: tf.memory().numBytes,
      personalized,
      ...(this.startup && { startup: this.startup }),
      ...(this.searcher?.built && { searchIndex: { ...this.searcher.built } }),
    };
  }
}
