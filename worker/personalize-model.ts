import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../models/data/rng.js';
import { fineTuneOnHistory } from '../models/train/local-finetune.js';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { PersonalizeOptions, PersonalizeResult } from '../contract/types.js';
import type { EventStore } from './event-store.js';
import type { LoadedModel } from './load-model.js';
import type { Ranker } from './ranker.js';
import { withTrainingLock } from './training-lock.js';

// Personal weights belong to one model version: a new version starts from the crowd again.
const weightsKey = (loaded: LoadedModel) => `personal-weights:${loaded.meta.modelId}@${loaded.meta.modelVersion}`;

/** Puts back the personalized weights saved for this model version, if any. */
export async function restorePersonalWeights(store: EventStore, loaded: LoadedModel): Promise<boolean> {
  const saved = await store.getMeta<Float32Array[]>(weightsKey(loaded));
  const current = loaded.encoder.getWeights();
  if (!saved || saved.length !== current.length || saved.some((w, i) => w.length !== current[i]!.size)) return false;
  loaded.encoder.setWeights(saved.map((w, i) => tf.tensor(w, current[i]!.shape, 'float32')));
  return true;
}

/**
 * Fine-tunes the whole model on this shopper's stored history, on the device, in the worker:
 * one tab at a time (Web Locks), yielding to the event loop after every step so recommend()
 * keeps answering. The result stays on the device (IndexedDB, with consent) and is used from then on.
 */
export async function personalizeModel(args: {
  loaded: LoadedModel;
  ranker: Ranker;
  store: EventStore | undefined;
  history: readonly string[];
  lockName: string;
  options: Required<PersonalizeOptions>;
}): Promise<PersonalizeResult> {
  const { loaded, ranker, store, history, options } = args;
  const rows = ranker.rowsOf(history);
  if (rows.length < 2)
    throw new PocketrankError('invalid_argument', 'personalization needs at least two item events in the history');
  const run = async (): Promise<PersonalizeResult> => {
    const started = performance.now();
    const seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
    const { losses } = await fineTuneOnHistory(loaded.encoder, rows, {
      steps: options.steps,
      learningRate: options.learningRate,
      negatives: Math.min(1024, loaded.encoder.cfg.vocabSize - 2),
      rand: mulberry32(seed),
      between: () => new Promise((resolve) => setTimeout(resolve, 0)),
      trainItemTable: true,
    });
    ranker.refresh();
    // Without storage consent the personal weights live as long as this page.
    await store?.putMeta(
      weightsKey(loaded),
      loaded.encoder.getWeights().map((w) => w.dataSync() as Float32Array),
    );
    return {
      steps: losses.length,
      lossBefore: losses[0]!,
      lossAfter: losses[losses.length - 1]!,
      durationMs: performance.now() - started,
    };
  };
  return withTrainingLock(args.lockName, run);
}
