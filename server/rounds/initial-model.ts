import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { parseModelMetadata } from '../../models/sasrec/model-metadata.js';
import { federatedPart, flattenPart } from '../../models/train/local-finetune.js';

/** The federated part (encoder weights and the listed item rows) of a shipped model.json: version 1 of the server's global model. */
export async function federatedPartOf(modelJsonPath: string): Promise<Float32Array> {
  if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu'))) throw new Error('the tfjs CPU backend did not start');
  const model = await loadModelFromDisk(modelJsonPath);
  try {
    const encoder = findEncoder(model);
    if (!encoder) throw new Error(`${modelJsonPath} is not a pocketrank model`);
    const meta = parseModelMetadata(model.getUserDefinedMetadata());
    if (typeof meta === 'string') throw new Error(`${modelJsonPath}: ${meta}`);
    return flattenPart(federatedPart(encoder, meta.federatedRows));
  } finally {
    model.dispose();
  }
}
