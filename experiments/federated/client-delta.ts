import type { SasrecEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { federatedGradient } from '../../models/train/federated-gradient.js';
import { fineTuneOnHistory } from '../../models/train/local-finetune.js';

/** How a simulated client trains on its own history. */
export interface ClientTraining {
  localSteps: number;
  localLearningRate: number;
  localOptimizer: 'adam' | 'sgd';
  federatedRows: readonly number[];
  coordinates?: readonly number[];
}

/**
 * One client's update of the federated part from its history alone, as a device computes it:
 * one SGD step is FedSGD (the scaled gradient, the model left as it was); more steps or Adam
 * fine-tune the shared encoder and return the difference, leaving the encoder moved
 * (`moved`: the caller assigns the global model again before the next client).
 */
export async function clientDelta(
  encoder: SasrecEncoder,
  history: readonly number[],
  training: ClientTraining,
  rand: () => number,
): Promise<{ delta: Float32Array; moved: boolean }> {
  const local = {
    negatives: 1024,
    rand,
    federatedRows: training.federatedRows,
    federatedCoordinates: training.coordinates,
  };
  if (training.localSteps === 1 && training.localOptimizer === 'sgd') {
    const { gradient } = await federatedGradient(encoder, history, local);
    return { delta: gradient.map((g) => -training.localLearningRate * g), moved: false };
  }
  const { delta } = await fineTuneOnHistory(encoder, history, {
    ...local,
    steps: training.localSteps,
    learningRate: training.localLearningRate,
    optimizer: training.localOptimizer,
  });
  return { delta, moved: true };
}
