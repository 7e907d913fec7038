import { EventJournal } from './event-journal.js';
import { resolveWorkerUrl } from './resolve-worker-url.js';
import { validateOptions } from './validate-options.js';
import { WorkerHost } from './worker-host.js';
import { WorkerRecommender } from './worker-recommender.js';
import type { Recommender } from '../contract/recommender.js';
import type { RecommenderOptions } from '../contract/types.js';

const DEFAULT_FLUSH_MS = 250;

/**
 * Starts the pocketrank worker, loads the model and catalog there and opens the on-device history
 * (storing, once, what earlier pages tracked right before they went away). Resolves once the
 * first `recommend()` can be answered.
 * @throws PocketrankError `invalid_argument`, `worker_failed`, `backend_unavailable`, `model_load_failed` or `catalog_load_failed`.
 */
export async function createRecommender(options: RecommenderOptions): Promise<Recommender> {
  const { federation, ...init } = validateOptions(options);
  const workerUrl = resolveWorkerUrl(options.workerUrl);
  const wasmPaths = init.wasmPaths || new URL('./', workerUrl).href;
  // Without consent the journals stay where they are: nothing of the device is read or written.
  const journals = init.consent === 'granted' ? EventJournal.read(init.dbName) : [];
  let recommender: WorkerRecommender | undefined;
  const host = await WorkerHost.start({
    workerUrl,
    init: (restart) => ({
      ...init,
      wasmPaths,
      consent: recommender?.consentState ?? init.consent,
      replay: restart ? [] : journals.flatMap((j) => j.batches),
    }),
    restore: async (engine) => recommender?.restore(engine),
  });
  // Replayed into IndexedDB: the entries can go. Kept in memory only, they wait for a durable start.
  if (host.started.storage.state === 'durable') EventJournal.release(journals);
  recommender = new WorkerRecommender(host, {
    flushIntervalMs: options.flushIntervalMs ?? DEFAULT_FLUSH_MS,
    dbName: init.dbName,
    consent: init.consent,
    federation,
  });
  return recommender;
}
