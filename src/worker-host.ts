import { releaseProxy, wrap, type Remote } from 'comlink';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { RecommenderStatus } from '../contract/types.js';
import type { EngineApi, EngineInit, Outcome } from '../contract/worker-protocol.js';

/** What a host needs to (re)start its worker. */
export interface HostOptions {
  workerUrl: URL;
  /** The engine's init for the next start (a restart passes the consent now in force, no replay). */
  init: (restart: boolean) => EngineInit;
  /** Runs on a restarted engine before calls reach it (stock overrides the page set, say). */
  restore: (engine: Remote<EngineApi>) => Promise<void>;
}

interface Life {
  worker: Worker;
  engine: Remote<EngineApi>;
  /** Resolves when the worker is gone (its Web Lock freed): terminated, crashed, out of memory. */
  died: Promise<'died'>;
  /** Stops watching, so a close() is not taken for a death. */
  stopWatching: AbortController;
}

/** close() waits this long at most for the engine: its own cache wait is 10 s. */
const CLOSE_LIMIT_MS = 12_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new PocketrankError(outcome.code, outcome.message);
}

/**
 * Browsers only start workers from the page's origin. When the SDK is served from a CDN, a
 * same-origin blob module imports the worker bundle instead (CORS applies; CSP needs `worker-src blob:`).
 * A page with an opaque origin (a sandboxed frame) cannot start a module worker from a blob: a
 * data: URL does (and the bundle's server must allow CORS).
 */
function startWorker(url: URL): Worker {
  const opaque = typeof self !== 'undefined' && self.origin === 'null';
  if (!opaque && (typeof location === 'undefined' || url.origin === location.origin))
    return new Worker(url, { type: 'module', name: 'pocketrank' });
  const source = `import ${JSON.stringify(url.href)};`;
  if (opaque) return new Worker(`data:text/javascript,${encodeURIComponent(source)}`, { type: 'module' });
  const wrapper = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    return new Worker(wrapper, { type: 'module', name: 'pocketrank' });
  } finally {
    // The worker has its URL once constructed; revoking does not stop the load.
    setTimeout(() => URL.revokeObjectURL(wrapper), 60_000);
  }
}

/** Resolves when the worker holding `lock` is gone; never, where Web Locks are unavailable or watching stops. */
function watchDeath(lock: string, signal: AbortSignal): Promise<'died'> {
  const never = new Promise<never>(() => undefined);
  try {
    return navigator.locks.request(lock, { signal }, () => 'died' as const).catch(() => never);
  } catch {
    return never;
  }
}

function startFailure(worker: Worker): Promise<never> {
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
 * Owns the Web Worker: starts it, notices when it dies, restarts it once (calls made meanwhile
 * wait and are answered by the new one) and, after a second death, rejects every call with
 * `worker_failed`.
 */
export class WorkerHost {
  /** Restarts so far (0 or 1). */
  restarts = 0;
  private life: Promise<Life>;
  private failure: PocketrankError | undefined;
  /** The worker whose death is being (or was) handled. */
  private lastDeath: Life | undefined;
  private closed = false;
  private rejectClosing: (error: PocketrankError) => void = () => undefined;
  // Settles every call still waiting on the worker when close() terminates it.
  private readonly closing = new Promise<never>((_, reject) => (this.rejectClosing = reject));

  private constructor(
    private readonly options: HostOptions,
    first: Life,
    /** Status of the first start. */
    readonly started: RecommenderStatus,
  ) {
    this.life = Promise.resolve(first);
    // Rejections reach the calls racing it; with none pending it is not an unhandled rejection.
    this.closing.catch(() => undefined);
  }

  /** Starts the worker and its engine; rejects (and leaves nothing running) when the start fails. */
  static async start(options: HostOptions): Promise<WorkerHost> {
    const { life, status } = await WorkerHost.launch(options, false);
    return new WorkerHost(options, life, status);
  }

  private static async launch(
    options: HostOptions,
    restart: boolean,
  ): Promise<{ life: Life; status: RecommenderStatus }> {
    let worker: Worker;
    try {
      worker = startWorker(options.workerUrl);
    } catch (error) {
      throw new PocketrankError(
        'worker_failed',
        `cannot start the worker at ${options.workerUrl.href}: ${String(error)}`,
      );
    }
    const engine = wrap<EngineApi>(worker);
    const stopWatching = new AbortController();
    const life: Life = { worker, engine, died: new Promise(() => undefined), stopWatching };
    const failed = startFailure(worker);
    try {
      const lock = `pocketrank-worker:${crypto.randomUUID()}`;
      if (await Promise.race([engine.hold(lock), failed])) life.died = watchDeath(lock, stopWatching.signal);
      const died = life.died.then(() => {
        throw new PocketrankError('worker_failed', 'the pocketrank worker died while starting');
      });
      const init = options.init(restart);
      const status: RecommenderStatus = await Promise.race([engine.init(init).then((o) => unwrap(o)), failed, died]);
      if (restart) await Promise.race([options.restore(engine), died]);
      return { life, status };
    } catch (error) {
      stopWatching.abort();
      engine[releaseProxy]();
      worker.terminate();
      throw error;
    }
  }

  /**
   * Runs `op` on the engine; if the worker dies under it, restarts once and runs it again there
   * (with `retry: false`, rejects with `worker_failed` instead: for calls not safe to repeat).
   */
  async call<T>(op: (engine: Remote<EngineApi>) => Promise<Outcome<T>>, options: { retry?: boolean } = {}): Promise<T> {
    for (;;) {
      if (this.failure) throw this.failure;
      let life: Life;
      try {
        life = await Promise.race([this.life, this.closing]);
      } catch (error) {
        throw this.failure ?? error; // a restart that failed is worker_failed for every call waiting on it
      }
      const result = await Promise.race([op(life.engine), life.died, this.closing]);
      if (result !== 'died') return unwrap(result);
      await this.recover(life);
      if (options.retry === false)
        throw new PocketrankError('worker_failed', 'the pocketrank worker died during this call; it was restarted');
    }
  }

  private async recover(dead: Life): Promise<void> {
    // Checked before any await: another call that saw the same death restarts it (or failed to).
    // The dead proxy stays unreleased: calls that took it before the death was seen race `died` on it.
    if (this.lastDeath === dead) return;
    this.lastDeath = dead;
    if (this.restarts >= 1) {
      this.failure = new PocketrankError('worker_failed', 'the pocketrank worker died again after a restart');
      throw this.failure;
    }
    this.restarts += 1;
    console.warn('[pocketrank] the worker died; restarting it');
    const next = WorkerHost.launch(this.options, true).then((started) => started.life);
    this.life = next;
    try {
      await next;
    } catch (error) {
      this.failure = new PocketrankError(
        'worker_failed',
        `the pocketrank worker could not be restarted: ${String(error)}`,
      );
      throw this.failure;
    }
  }

  /** Closes the engine (letting its writes finish), then terminates the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const life = this.failure ? undefined : await this.life.catch(() => undefined);
    try {
      // A worker that died as it was closed has nothing left to finish; one that cannot be watched
      // (no Web Locks) gets the model cache's 10 s and a little more.
      if (life) await Promise.race([life.engine.close().then((o) => unwrap(o)), life.died, sleep(CLOSE_LIMIT_MS)]);
    } finally {
      this.rejectClosing(new PocketrankError('closed', 'the recommender was closed while this call was running'));
      if (life) {
        life.stopWatching.abort();
        life.engine[releaseProxy]();
        life.worker.terminate();
      }
    }
  }
}
