import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadInteractions } from '../data/interactions.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { type ModelMetadata, parseModelMetadata } from '../sasrec/model-metadata.js';
import { findEncoder, type SasrecEncoder } from '../sasrec/sasrec-encoder.js';

/**
 * A shipped model's encoder and metadata with a sample of its own training users (public to
 * the shop), each history cut before its validation and test items as the model saw it: what
 * the DP tools (`dp-coordinates`, `dp-subspace`) rank and project with.
 */
export async function publicModelSample(modelPath: string, dataPath: string, users: number, seed: number): Promise<{ encoder: SasrecEncoder; meta: ModelMetadata; sample: number[][] }> {
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
  const model = await loadModelFromDisk(modelPath);
  const encoder = findEncoder(model);
  const meta = parseModelMetadata(model.getUserDefinedMetadata());
  if (!encoder || typeof meta === 'string') throw new Error(`${modelPath} is not a pocketrank model${typeof meta === 'string' ? `: ${meta}` : ''}`);
  const data = await loadInteractions(dataPath);
  if (data.itemIds.length !== meta.itemIds.length) throw new Error(`${dataPath} has ${data.itemIds.length} items; the model has ${meta.itemIds.length}: not its training data`);
  const sample = shuffleInPlace(data.sequences.filter((s) => s.length >= 3).map((s) => s.slice(0, -2)), mulberry32(seed)).slice(0, users);
  return { encoder, meta, sample };
}
