import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Files written by {@link saveLayersModel}. */
export interface SavedModelFiles {
  modelJson: string;
  weights: string;
  weightBytes: number;
}

function concat(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/**
 * Writes a tfjs layers-format model (model.json + one weights shard) to a folder, the layout
 * `tf.loadLayersModel` reads over HTTP. tfjs-node's file:// handler is not available here.
 */
export async function saveLayersModel(model: LayersModel, dir: string): Promise<SavedModelFiles> {
  await mkdir(dir, { recursive: true });
  const weightsName = 'weights.bin';
  let files: SavedModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = concat(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `pocketrank (tfjs-layers ${tf.version_core})`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      const jsonPath = join(dir, 'model.json');
      const weightsPath = join(dir, weightsName);
      await writeFile(jsonPath, JSON.stringify(modelJson));
      await writeFile(weightsPath, new Uint8Array(weightData));
      files = { modelJson: jsonPath, weights: weightsPath, weightBytes: weightData.byteLength };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
    }),
  );
  if (!files) throw new Error('tfjs did not hand the model artifacts to the save handler');
  return files;
}
