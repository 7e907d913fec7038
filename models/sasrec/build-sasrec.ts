import { input, model, type LayersModel } from '@tensorflow/tfjs-layers';
import type { SasrecConfig } from './sasrec-config.js';
import { SasrecEncoder } from './sasrec-encoder.js';
import { MODEL_CONTRACT, type ModelMetadata } from './model-metadata.js';

/** Builds the servable model: int32 `[batch, maxLen]` history in, `[batch, hidden]` user state out. */
export function buildSasrec(
  cfg: SasrecConfig,
  meta: Omit<ModelMetadata, 'contract'>,
): { model: LayersModel; encoder: SasrecEncoder } {
  if (meta.itemIds.length !== cfg.vocabSize - 1) {
    throw new Error(
      `itemIds has ${meta.itemIds.length} entries but vocabSize ${cfg.vocabSize} needs ${cfg.vocabSize - 1}`,
    );
  }
  const history = input({ shape: [cfg.maxLen], dtype: 'int32', name: 'history' });
  const encoder = new SasrecEncoder({ ...cfg, name: 'sasrec' });
  const out = encoder.apply(history) as ReturnType<typeof input>;
  const built = model({ inputs: history, outputs: out, name: meta.modelId.replace(/[^A-Za-z0-9_]/g, '_') });
  built.setUserDefinedMetadata({ pocketrank: { contract: MODEL_CONTRACT, ...meta } });
  return { model: built, encoder };
}
