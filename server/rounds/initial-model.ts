import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { parseModelMetadata } from '../../models/sasrec/model-metadata.js';
import { federatedPart, flattenPart } from '../../models/train/local-finetune.js';

/**
 * The federated part (encoder weights and the listed item rows) of a shipped model.json: version
 * 1 of the server's global model. With `dpCoordinates`, only the model's listed DP positions.
 */
export async function federatedPartOf(modelJsonPath: string, options: { dpCoordinates?: boolean } = {}): Promise<Float32Array> {
  if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu'))) throw new Error('the tfjs CPU backend did not start');
  const model = await loadModelFromDisk(modelJsonPath);
  try {
    const encoder = findEncoder(model);
    if (!encoder) throw new Error(`${modelJsonPath} is not a pocketrank model`);
    const meta = parseModelMetadata(model.getUserDefinedMetadata());
    if (typeof meta === 'string') throw new Error(`${modelJsonPath}: ${meta}`);
    if (options.dpCoordinates && !meta.dpCoordinates) throw new Error(`${modelJsonPath} lists no dpCoordinates (npm run dp-coordinates adds them)`);
    return flattenPart(federatedPart(encoder, meta.federatedRows, options.dpCoordinates ? meta.dpCoordinates : undefined));
  } finally {
    model.dispose();
  }
}
