import { EventJournal } from './event-journal.js';
import { resolveWorkerUrl } from './resolve-worker-url.js';
import { validateOptions } from './validate-options.js';
import { WorkerHost } from './worker-host.js';
import { WorkerRecommender } from './worker-recommender.js';
import { FirstList } from './first-list.js';
import { PendingHost } from './pending-host.js';
import { prefetchModel } from './prefetch-model.js';
import { ExperimentArms } from './experiment-arms.js';
import { validateExperiments } from './validate-experiments.js';
import { modelCacheName } from '../contract/model-cache-name.js';
import type { Recommender } from '../contract/recommender.js';
import type { RecommenderOptions } from '../contract/types.js';

const DEFAULT_FLUSH_MS = 250;

/**
 * Starts the pocketrank worker, loads the model and catalog there and opens the on-device history
 * (storing, once, what earlier pages tracked right before they went away). Resolves once the
 * first `recommend()` can be answered: with `options.firstList`, as soon as that small file is
 * there (stage `first-list`: trending from it until the engine serves), else when the engine does.
 * @throws PocketrankError `invalid_argument`, `worker_failed`, `backend_unavailable`, `model_load_failed` or `catalog_load_failed`
 * (with a first list, a start that fails after it arrived rejects `ready()` and every later call instead).
 */
export async function createRecommender(options: RecommenderOptions): Promise<Recommender> {
  const { federation, firstList, ...init } = validateOptions(options);
  // Checked before anything starts: a malformed experiment changes nothing on the device.
  const experiments = validateExperiments(options.experiments);
  const workerUrl = resolveWorkerUrl(options.workerUrl);
  const wasmPaths = init.wasmPaths || new URL('./', workerUrl).href;
  // Without consent the journals stay where they are: nothing of the device is read or written.
  const journals = init.consent === 'granted' ? EventJournal.read(init.dbName) : [];
  // The big downloads start now, while the worker script arrives and boots (see prefetch-model.ts).
  void prefetchModel(init.modelUrl, init.catalog, init.consent === 'granted' ? modelCacheName(init.dbName) : undefined);
  let recommender: WorkerRecommender | undefined;
  const starting = WorkerHost.start({
    workerUrl,
    init: (restart) => ({
      ...init,
      wasmPaths,
      consent: recommender?.consentState ?? init.consent,
      experiments: experiments.map((e) => ({ id: e.id, ...(e.currency && { currency: e.currency }) })),
      replay: restart ? [] : journals.flatMap((j) => j.batches),
    }),
    restore: async (engine) => recommender?.restore(engine),
  });
  const started = starting.then((host) => {
    // Replayed into IndexedDB: the entries can go. Kept in memory only, they wait for a durable start.
    if (host.started.storage.state === 'durable') EventJournal.release(journals);
    return host;
  });
  const settings = {
    flushIntervalMs: options.flushIntervalMs ?? DEFAULT_FLUSH_MS,
    dbName: init.dbName,
    consent: init.consent,
    federation,
    arms: new ExperimentArms(experiments, init.dbName, init.consent),
  };
  // The first list, if it comes before the engine serves; a list that fails to load is waited out.
  const list = firstList
    ? await Promise.race([FirstList.load(firstList).catch(() => undefined), started.then(() => undefined)])
    : undefined;
  if (!list) {
    recommender = new WorkerRecommender(await started, settings);
    return recommender;
  }
  recommender = new WorkerRecommender(new PendingHost(started), settings, started, list);
  return recommender;
}
