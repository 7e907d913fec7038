import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { dpPositions } from '../../models/train/dp-positions.js';
import { parseModelMetadata } from '../../models/sasrec/model-metadata.js';
import { federatedPart, flattenPart } from '../../models/train/local-finetune.js';

/**
 * The federated part (encoder weights and the listed item rows) of a shipped model.json: version
 * 1 of the server's global model. With `dpCoordinates`, only the model's DP positions (its
 * `dpCoordinates`, or the rows' block for `dpPart: 'rows'`).
 */
export async function federatedPartOf(
  modelJsonPath: string,
  options: { dpCoordinates?: boolean } = {},
): Promise<Float32Array> {
  if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu'))) throw new Error('the tfjs CPU backend did not start');
  const model = await loadModelFromDisk(modelJsonPath);
  try {
    const encoder = findEncoder(model);
    if (!encoder) throw new Error(`${modelJsonPath} is not a pocketrank model`);
    const meta = parseModelMetadata(model.getUserDefinedMetadata());
    if (typeof meta === 'string') throw new Error(`${modelJsonPath}: ${meta}`);
    const positions = options.dpCoordinates ? dpPositions(encoder, meta) : undefined;
    if (options.dpCoordinates && !positions)
      throw new Error(
        `${modelJsonPath} names no DP positions: neither dpCoordinates nor dpPart (npm run dp-coordinates adds them)`,
      );
    return flattenPart(federatedPart(encoder, meta.federatedRows, positions));
  } finally {
    model.dispose();
  }
}
