import type { Remote } from 'comlink';
import { EventBatcher } from './event-batcher.js';
import { EventJournal } from './event-journal.js';
import { CHANGE_EVENT } from './change-event.js';
import { fetchPrivacy } from './fetch-privacy.js';
import { validateQuery } from './validate-options.js';
import type { ExperimentArms } from './experiment-arms.js';
import type { EngineHost } from './pending-host.js';
import type { FirstList } from './first-list.js';
import { validateEvent, type TrackInput } from '../contract/event-schema.js';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { Recommender } from '../contract/recommender.js';
import type { ExperimentReportResult } from '../contract/experiment-types.js';
import type { RerankedItem, RerankOptions, SearchHit, SearchOptions } from '../contract/search-types.js';
import { validateRerank, validateSearchOptions, validateSearchQuery } from './validate-search.js';
import type { EngineApi, FederationSettings } from '../contract/worker-protocol.js';
import type {
  CatalogItem,
  ConsentState,
  ContributionResult,
  PersonalizeOptions,
  PersonalizeResult,
  Recommendation,
  RecommenderStatus,
  RecommendQuery,
  StoredData,
} from '../contract/types.js';

const MAX_BATCH = 512;
/** Items one upsertItems() call may carry: a whole catalog belongs in `options.catalog`. */
const MAX_UPSERT = 10_000;

const notifyChange = (): void => {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(CHANGE_EVENT));
};

/** How the page side was configured. */
export interface PageSettings {
  flushIntervalMs: number;
  dbName: string;
  consent: ConsentState;
  federation: FederationSettings | undefined;
  /** This device's experiment arms. */
  arms: ExperimentArms;
}

/**
 * The page side of a recommender: validates input, batches events to the worker, journals the
 * unstored ones when the page is hidden or goes away, and talks to the engine through its host.
 */
export class WorkerRecommender implements Recommender {
  private closed = false;
  /** Set once close() wrote its last journal: page-hide events then have nothing left to do. */
  private finished = false;
  private readonly batcher: EventBatcher;
  private readonly journal: EventJournal;
  private consentNow: ConsentState;
  /** Set by forget() until the shopper's next action (any tracked event but an impression). */
  private forgotten = false;
  /** Whether this page called contribute(): only then is the federation server asked anything. */
  private contributed = false;
  /** Every stock override the page set, for a restarted worker. */
  private readonly stock: Record<string, boolean> = {};
  /** Every catalog item the page added or replaced, for a restarted worker. */
  private readonly upserted = new Map<string, CatalogItem>();
  private readonly onHide = (): void => this.journalNow();
  private readonly onVisibility = (): void => {
    // Visible again: the journal shrinks to what is still unstored (or goes).
    if (document.visibilityState === 'hidden') this.journalNow();
    else if (this.consentNow === 'granted') this.journal.write(this.batcher.unacknowledged());
  };

  /** Whether the engine serves (else the first list answers what it can). */
  private engineReady: boolean;
  /** Set when the engine failed to start after the first list came: every call reports it. */
  private startError: unknown;
  private readonly started: Promise<void>;

  /**
   * @param started resolves when the engine serves (at once for a started host)
   * @param first the first list, served until then
   */
  constructor(
    private readonly host: EngineHost,
    private readonly settings: PageSettings,
    started: Promise<unknown> = Promise.resolve(),
    private readonly first?: FirstList,
  ) {
    this.engineReady = first === undefined;
    this.started = started.then(
      () => {
        this.engineReady = true;
        // Widgets showing the first list refresh into the engine's (personal) lists.
        if (first && !this.closed) notifyChange();
      },
      (error: unknown) => {
        this.startError = error;
        throw error;
      },
    );
    // A failed start is reported by every call and by ready(); it is no unhandled rejection.
    this.started.catch(() => undefined);
    this.consentNow = settings.consent;
    const tab = crypto.randomUUID();
    this.journal = new EventJournal(settings.dbName, tab);
    this.batcher = new EventBatcher(
      tab,
      async (batch) => {
        const { held } = await this.host.call((engine) => engine.ingest(batch));
        // Widgets refresh on this; impressions and clicks do not change any list.
        // Nor do searches: the model reads item events.
        if (batch.events.some((e) => e.type !== 'impression' && e.type !== 'click' && e.type !== 'search'))
          notifyChange();
        return held;
      },
      settings.flushIntervalMs,
      MAX_BATCH,
      (error) => console.error('[pocketrank] background event write failed', error),
    );
    if (typeof window !== 'undefined') {
      // pagehide is the last event a navigation or a closed tab is sure to fire; visibilitychange
      // the last a mobile tab discarded in the background fires; freeze precedes a discard.
      window.addEventListener('pagehide', this.onHide);
      document.addEventListener('visibilitychange', this.onVisibility);
      document.addEventListener('freeze', this.onHide);
    }
    if (settings.federation) this.resumeRound(settings.federation);
  }

  get stage(): 'first-list' | 'ready' {
    return this.engineReady ? 'ready' : 'first-list';
  }

  async ready(): Promise<void> {
    this.assertOpen();
    return this.started;
  }

  /** Consent in force now (a restarted worker starts with it). */
  get consentState(): ConsentState {
    return this.consentNow;
  }

  /** Brings a restarted engine back to what the page had set. */
  async restore(engine: Remote<EngineApi>): Promise<void> {
    if (this.upserted.size > 0) {
      const outcome = await engine.upsertItems([...this.upserted.values()]);
      if (!outcome.ok) throw new PocketrankError(outcome.code, outcome.message);
    }
    if (Object.keys(this.stock).length === 0) return;
    const outcome = await engine.setStock({ ...this.stock });
    if (!outcome.ok) throw new PocketrankError(outcome.code, outcome.message);
  }

  /** A reload in the middle of a round: finish it in the background instead of dropping out. */
  private resumeRound(federation: FederationSettings): void {
    this.host
      .call((engine) => engine.contribute({ ...federation, resumeOnly: true }))
      .catch((error) => {
        if ((error as PocketrankError).code !== 'busy' && (error as PocketrankError).code !== 'closed')
          console.warn('[pocketrank] could not resume the federated round', (error as Error).message);
      });
  }

  /** Writes what is not stored yet where the next page finds it, synchronously: the page may be gone next. */
  private journalNow(): void {
    if (this.finished || this.consentNow !== 'granted') return;
    // The batcher's timer still sends these if the page lives on (a hidden tab, the back/forward
    // cache); storage then skips them when the next start replays the journal.
    this.journal.write(this.batcher.unacknowledged());
  }

  private assertOpen(): void {
    if (this.closed) throw new PocketrankError('closed', 'this recommender was closed');
  }

  /** A plain description: the worker proxy this holds must not be walked (JSON.stringify threw in the worker). */
  toJSON(): { recommender: 'pocketrank'; closed: boolean } {
    return { recommender: 'pocketrank', closed: this.closed };
  }

  track(event: TrackInput): void {
    this.assertOpen();
    const checked = validateEvent(event);
    // An impression is what a widget showed, not something the shopper did: after forget() it
    // must not bring the database back (widgets refresh, and record impressions, as it clears).
    if (this.forgotten && checked.type === 'impression') return;
    this.forgotten = false;
    this.batcher.add(checked);
    // Tracked while hidden: there may be no page-hide event left to come.
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') this.journalNow();
  }

  async recommend(query: RecommendQuery): Promise<Recommendation[]> {
    this.assertOpen();
    const armed = this.settings.arms.apply(query);
    const checked = validateQuery(armed.query);
    const tag = (list: Recommendation[]) =>
      armed.experiment ? list.map((r) => ({ ...r, experiment: armed.experiment })) : list;
    // Before the engine serves, the first list answers what it can, as the engine would a new shopper.
    if (!this.engineReady && this.startError === undefined && this.first?.answers(checked))
      return tag(this.first.recommend(checked));
    // Also waits for batches in flight: after a worker restart they are sent again, and must land
    // first. A batch that failed was reported already; the ranking goes on without it.
    await this.batcher.flush().catch(() => undefined);
    return tag(await this.host.call((engine) => engine.recommend(checked)));
  }

  async search(query: string, options?: SearchOptions): Promise<SearchHit[]> {
    this.assertOpen();
    const text = validateSearchQuery(query);
    const { engine: checked, record } = validateSearchOptions(options);
    await this.batcher.flush().catch(() => undefined);
    const hits = await this.host.call((engine) => engine.search(text, checked));
    // The query is stored with the history, on this device only; once the engine took it (a
    // query it refuses stores nothing).
    if (record) this.track({ type: 'search', query: text });
    return hits;
  }

  async rerank(itemIds: string[], options?: RerankOptions): Promise<RerankedItem[]> {
    this.assertOpen();
    const { ids, explain, query } = validateRerank(itemIds, options);
    const { experiment, keepOrder } = this.settings.arms.rerankArm(options?.experiment);
    await this.batcher.flush().catch(() => undefined);
    let reranked = await this.host.call((engine) => engine.rerank(ids, explain && !keepOrder));
    if (query !== undefined) this.track({ type: 'search', query });
    if (keepOrder) {
      // The control arm: the shop's list as the shop ordered it; nothing moved, so no reasons.
      const at = new Map(ids.map((id, i) => [id, i]));
      reranked = reranked
        .map(({ reason: _moved, ...item }) => item)
        .sort((a, b) => at.get(a.itemId)! - at.get(b.itemId)!);
    }
    return experiment ? reranked.map((r) => ({ ...r, experiment })) : reranked;
  }

  async flush(): Promise<void> {
    this.assertOpen();
    await this.batcher.flush();
  }

  async status(): Promise<RecommenderStatus> {
    this.assertOpen();
    await this.batcher.flush();
    const engine = await this.host.call((e) => e.status());
    // The arms are the page's; the counts come from the worker's event log.
    const experiments = Object.fromEntries(
      Object.entries(this.settings.arms.assigned).map(([id, arm]) => [id, { ...engine.experiments[id]!, arm }]),
    );
    const status = { ...engine, workerRestarts: this.host.restarts, experiments };
    const federation = this.settings.federation;
    // The federation server hears nothing from a shopper who has not taken part: not even this report.
    return federation && this.contributed ? { ...status, federation: await fetchPrivacy(federation.server) } : status;
  }

  async personalize(options: PersonalizeOptions = {}): Promise<PersonalizeResult> {
    this.assertOpen();
    const steps = options.steps ?? 10;
    const learningRate = options.learningRate ?? 0.0005;
    if (!Number.isInteger(steps) || steps < 1 || steps > 500)
      throw new PocketrankError('invalid_argument', `steps must be an integer from 1 to 500; got ${String(steps)}`);
    if (!(learningRate > 0 && learningRate <= 1))
      throw new PocketrankError('invalid_argument', `learningRate must be in (0, 1]; got ${String(learningRate)}`);
    await this.batcher.flush();
    const result = await this.host.call((engine) => engine.personalize({ steps, learningRate }));
    notifyChange();
    return result;
  }

  /** `options.federation`, or `invalid_argument` when none is configured. */
  private requireFederation(): FederationSettings {
    const federation = this.settings.federation;
    if (!federation)
      throw new PocketrankError(
        'invalid_argument',
        'no federation server is configured (options.federation); nothing was sent',
      );
    return federation;
  }

  async contribute(): Promise<ContributionResult> {
    this.assertOpen();
    const federation = this.requireFederation();
    await this.batcher.flush();
    this.contributed = true;
    // Not re-sent to a restarted worker: the first may have uploaded its share of the round already.
    return this.host.call((engine) => engine.contribute(federation), { retry: false });
  }

  async reportExperiments(): Promise<ExperimentReportResult[]> {
    this.assertOpen();
    const federation = this.requireFederation();
    const experiments = this.settings.arms.reportable;
    if (experiments.length === 0)
      throw new PocketrankError(
        'invalid_argument',
        'no experiments are configured (options.experiments); nothing was sent',
      );
    await this.batcher.flush();
    this.contributed = true;
    const results: ExperimentReportResult[] = [];
    // One experiment after another: each round holds the device's training lock.
    for (const experiment of experiments)
      results.push(
        ...(await this.host.call((engine) => engine.reportExperiment(federation, experiment), { retry: false })),
      );
    return results;
  }

  async consent(state: ConsentState): Promise<void> {
    this.assertOpen();
    if (state !== 'granted' && state !== 'denied')
      throw new PocketrankError(
        'invalid_argument',
        `consent must be 'granted' or 'denied'; got ${JSON.stringify(state)}`,
      );
    await this.batcher.flush();
    // Withdrawn: no journal from now on, and what earlier pages journalled goes with the device's copy.
    if (state === 'denied') {
      this.consentNow = state;
      EventJournal.clear(this.settings.dbName);
      this.settings.arms.deny();
    }
    await this.host.call((engine) => engine.consent(state));
    this.consentNow = state;
    if (state === 'granted') this.settings.arms.grant();
    notifyChange();
  }

  async forget(): Promise<void> {
    this.assertOpen();
    // Events still queued on this side are part of what must be forgotten.
    this.forgotten = true;
    await this.batcher.clear();
    EventJournal.clear(this.settings.dbName);
    this.settings.arms.forget(this.consentNow);
    await this.host.call((engine) => engine.forget());
    notifyChange();
  }

  async storedData(): Promise<StoredData> {
    this.assertOpen();
    await this.batcher.flush();
    return this.host.call((engine) => engine.storedData());
  }

  async setStock(updates: Record<string, boolean>): Promise<void> {
    this.assertOpen();
    if (typeof updates !== 'object' || updates === null || Object.values(updates).some((v) => typeof v !== 'boolean')) {
      throw new PocketrankError('invalid_argument', 'setStock needs an object of item id -> boolean');
    }
    await this.host.call((engine) => engine.setStock({ ...updates }));
    Object.assign(this.stock, updates);
  }

  async upsertItems(items: CatalogItem[]): Promise<{ added: number; replaced: number }> {
    this.assertOpen();
    if (!Array.isArray(items) || items.length > MAX_UPSERT)
      throw new PocketrankError(
        'invalid_argument',
        `upsertItems needs an array of at most ${MAX_UPSERT} catalog items`,
      );
    // A structured-clone-safe copy: the worker checks every field.
    let copy: CatalogItem[];
    try {
      copy = JSON.parse(JSON.stringify(items)) as CatalogItem[];
    } catch (error) {
      throw new PocketrankError('invalid_argument', `upsertItems: items must be plain JSON data (${String(error)})`);
    }
    const result = await this.host.call((engine) => engine.upsertItems(copy));
    for (const item of copy) this.upserted.set(item.id, item);
    notifyChange();
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The page may be going away: what is not stored goes to the journal before anything is awaited.
    this.journalNow();
    try {
      // An engine that never started stores nothing: its events stay in the journal.
      await this.batcher.flush().catch((error: unknown) => {
        if (this.startError === undefined) throw error;
      });
    } finally {
      // What could not be stored waits in the journal for the next start.
      this.journalNow();
      this.finished = true;
      if (typeof window !== 'undefined') {
        window.removeEventListener('pagehide', this.onHide);
        document.removeEventListener('visibilitychange', this.onVisibility);
        document.removeEventListener('freeze', this.onHide);
      }
      await this.host.close();
    }
  }
}
