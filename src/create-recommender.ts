import { releaseProxy, wrap, type Remote } from 'comlink';
import { EventBatcher } from './event-batcher.js';
import { validateEvent, type TrackInput } from '../contract/event-schema.js';
import { PocketrankError } from '../contract/pocketrank-error.js';
import { CHANGE_EVENT } from './change-event.js';
import { resolveWorkerUrl } from './resolve-worker-url.js';
import { validateOptions, validateQuery } from './validate-options.js';
import type { EngineApi, FederationSettings, Outcome } from '../contract/worker-protocol.js';
import type { Recommender } from '../contract/recommender.js';
import type { PrivacyReport } from '../protocol/responses.js';
import type {
  ConsentState,
  StoredData,
  ContributionResult,
  FederationPrivacy,
  PersonalizeOptions,
  PersonalizeResult,
  Recommendation,
  RecommenderOptions,
  RecommenderStatus,
  RecommendQuery,
} from '../contract/types.js';

const DEFAULT_FLUSH_MS = 250;

const notifyChange = (): void => {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(CHANGE_EVENT));
};
const MAX_BATCH = 512;

/** Asks the federation server what privacy has been spent; only called for opted-in shops. */
async function fetchPrivacy(server: string): Promise<FederationPrivacy> {
  try {
    const response = await fetch(new URL('/v1/privacy', server), { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const p = (await response.json()) as PrivacyReport;
    return {
      server,
      epsilon: p.epsilon,
      delta: p.delta,
      budget: p.budget,
      rounds: p.rounds,
      noiseMultiplier: p.noiseMultiplier,
    };
  } catch (error) {
    return {
      server,
      epsilon: null,
      delta: 0,
      budget: null,
      rounds: 0,
      noiseMultiplier: 0,
      error: `privacy report unavailable: ${String(error)}`,
    };
  }
}

/**
 * Browsers only start workers from the page's origin. When the SDK is served from a CDN, a
 * same-origin blob module imports the worker bundle instead (CORS applies; CSP needs `worker-src blob:`).
 */
function startWorker(url: URL): Worker {
  if (typeof location === 'undefined' || url.origin === location.origin)
    return new Worker(url, { type: 'module', name: 'pocketrank' });
  const wrapper = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
  try {
    return new Worker(wrapper, { type: 'module', name: 'pocketrank' });
  } finally {
    // The worker has its URL once constructed; revoking does not stop the load.
    setTimeout(() => URL.revokeObjectURL(wrapper), 60_000);
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new PocketrankError(outcome.code, outcome.message);
}

function workerFailure(worker: Worker): Promise<never> {
  return new Promise((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(
        new PocketrankError(
          'worker_failed',
          `the pocketrank worker failed to start: ${event.message || 'script could not be loaded'}`,
        ),
      );
    });
  });
}

/**
 * Starts the pocketrank worker, loads the model and catalog there and opens the on-device history.
 * Resolves once the first `recommend()` can be answered.
 * @throws PocketrankError `invalid_argument`, `worker_failed`, `backend_unavailable`, `model_load_failed`, `catalog_load_failed` or `storage_failed`.
 */
export async function createRecommender(options: RecommenderOptions): Promise<Recommender> {
  const { federation, ...init } = validateOptions(options);
  const workerUrl = resolveWorkerUrl(options.workerUrl);
  let worker: Worker;
  try {
    worker = startWorker(workerUrl);
  } catch (error) {
    throw new PocketrankError('worker_failed', `cannot start the worker at ${workerUrl.href}: ${String(error)}`);
  }
  const engine: Remote<EngineApi> = wrap<EngineApi>(worker);
  const dispose = (): void => {
    engine[releaseProxy]();
    worker.terminate();
  };
  try {
    await Promise.race([
      engine.init({ ...init, wasmPaths: init.wasmPaths || new URL('./', workerUrl).href }).then(unwrap),
      workerFailure(worker),
    ]);
  } catch (error) {
    dispose();
    throw error;
  }
  if (federation) {
    // A reload in the middle of a round: finish it in the background instead of dropping out.
    void engine.contribute({ ...federation, resumeOnly: true }).then(
      (outcome) => {
        if (!outcome.ok && outcome.code !== 'busy')
          console.warn('[pocketrank] could not resume the federated round', outcome.message);
      },
      () => undefined,
    );
  }
  return new WorkerRecommender(engine, dispose, options.flushIntervalMs ?? DEFAULT_FLUSH_MS, federation);
}

class WorkerRecommender implements Recommender {
  private closed = false;
  private readonly batcher: EventBatcher;

  // Settles every call still waiting on the worker when close() terminates it.
  private rejectPending: (error: PocketrankError) => void = () => undefined;
  /** Set by forget() until the shopper's next action (any tracked event but an impression). */
  private forgotten = false;
  /** Whether this page called contribute(): only then is the federation server asked anything. */
  private contributed = false;
  private readonly closing = new Promise<never>((_, reject) => {
    this.rejectPending = reject;
  });

  constructor(
    private readonly engine: Remote<EngineApi>,
    private readonly dispose: () => void,
    flushIntervalMs: number,
    private readonly federation: FederationSettings | undefined,
  ) {
    // Rejections reach the calls racing it; with none pending it is not an unhandled rejection.
    this.closing.catch(() => undefined);
    this.batcher = new EventBatcher(
      async (events) => {
        unwrap(await this.guard(this.engine.ingest(events)));
        // Widgets refresh on this; impressions and clicks do not change any list.
        if (events.some((e) => e.type !== 'impression' && e.type !== 'click')) notifyChange();
      },
      flushIntervalMs,
      MAX_BATCH,
      (error) => console.error('[pocketrank] background event write failed', error),
    );
  }

  private guard<P extends Promise<unknown>>(call: P): Promise<Awaited<P>> {
    return Promise.race([call, this.closing]) as Promise<Awaited<P>>;
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
  }

  async recommend(query: RecommendQuery): Promise<Recommendation[]> {
    this.assertOpen();
    const checked = validateQuery(query);
    if (this.batcher.size > 0) await this.batcher.flush();
    return unwrap(await this.guard(this.engine.recommend(checked)));
  }

  async flush(): Promise<void> {
    this.assertOpen();
    await this.batcher.flush();
  }

  async status(): Promise<RecommenderStatus> {
    this.assertOpen();
    await this.batcher.flush();
    const status = unwrap(await this.guard(this.engine.status()));
    // The federation server hears nothing from a shopper who has not taken part: not even this report.
    return this.federation && this.contributed
      ? { ...status, federation: await fetchPrivacy(this.federation.server) }
      : status;
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
    const result = unwrap(await this.guard(this.engine.personalize({ steps, learningRate })));
    notifyChange();
    return result;
  }

  async contribute(): Promise<ContributionResult> {
    this.assertOpen();
    if (!this.federation)
      throw new PocketrankError(
        'invalid_argument',
        'no federation server is configured (options.federation); nothing was sent',
      );
    await this.batcher.flush();
    this.contributed = true;
    return unwrap(await this.guard(this.engine.contribute(this.federation)));
  }

  async consent(state: ConsentState): Promise<void> {
    this.assertOpen();
    if (state !== 'granted' && state !== 'denied')
      throw new PocketrankError(
        'invalid_argument',
        `consent must be 'granted' or 'denied'; got ${JSON.stringify(state)}`,
      );
    await this.batcher.flush();
    unwrap(await this.guard(this.engine.consent(state)));
    notifyChange();
  }

  async forget(): Promise<void> {
    this.assertOpen();
    // Events still queued on this side are part of what must be forgotten.
    this.forgotten = true;
    await this.batcher.clear();
    unwrap(await this.guard(this.engine.forget()));
    notifyChange();
  }

  async storedData(): Promise<StoredData> {
    this.assertOpen();
    await this.batcher.flush();
    return unwrap(await this.guard(this.engine.storedData()));
  }

  async setStock(updates: Record<string, boolean>): Promise<void> {
    this.assertOpen();
    if (typeof updates !== 'object' || updates === null || Object.values(updates).some((v) => typeof v !== 'boolean')) {
      throw new PocketrankError('invalid_argument', 'setStock needs an object of item id -> boolean');
    }
    unwrap(await this.guard(this.engine.setStock({ ...updates })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.batcher.flush();
      unwrap(await this.engine.close());
    } finally {
      this.rejectPending(new PocketrankError('closed', 'the recommender was closed while this call was running'));
      this.dispose();
    }
  }
}
