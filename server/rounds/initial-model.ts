import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { federatedVariables, flattenVariables } from '../../models/train/local-finetune.js';

/** The federated part (encoder weights) of a shipped model.json: version 1 of the server's global model. */
export async function federatedPartOf(modelJsonPath: string): Promise<Float32Array> {
  if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu'))) throw new Error('the tfjs CPU backend did not start');
  const model = await loadModelFromDisk(modelJsonPath);
  try {
    const encoder = findEncoder(model);
    if (!encoder) throw new Error(`${modelJsonPath} is not a pocketrank model`);
    return flattenVariables(federatedVariables(encoder));
  } finally {
    model.dispose();
  }
}
