import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { encodeFloat16 } from './float16.js';

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

/** Weight storage: full float32, or float16 (half the bytes; tfjs dequantizes on load). */
export type WeightPrecision = 'float32' | 'float16';

/** Rewrites float32 weights as float16 with `quantization` entries in the manifest. */
function quantizeFloat16(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const out = specs.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4;
    if (spec.dtype !== 'float32') {
      parts.push(new Uint8Array(data, offset, bytes));
      offset += bytes;
      return spec;
    }
    parts.push(new Uint8Array(encodeFloat16(new Float32Array(data.slice(offset, offset + bytes))).buffer));
    offset += bytes;
    return { ...spec, quantization: { dtype: 'float16' as const } };
  });
  return { specs: out, data: concat(parts.map((p) => p.slice().buffer)) };
}

/**
 * Writes a tfjs layers-format model (model.json + one weights shard) to a folder, the layout
 * `tf.loadLayersModel` reads over HTTP. tfjs-node's file:// handler is not available here.
 */
export async function saveLayersModel(
  model: LayersModel,
  dir: string,
  precision: WeightPrecision = 'float32',
): Promise<SavedModelFiles> {
  await mkdir(dir, { recursive: true });
  const weightsName = 'weights.bin';
  let files: SavedModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const raw = {
        specs: artifacts.weightSpecs ?? [],
        data: concat(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
      };
      const { specs, data: weightData } = precision === 'float16' ? quantizeFloat16(raw.specs, raw.data) : raw;
      const modelJson = {
        format: 'layers-model',
        generatedBy: `pocketrank (tfjs-layers ${tf.version_core})`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsName], weights: specs }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      const jsonPath = join(dir, 'model.json');
      const weightsPath = join(dir, weightsName);
      await writeFile(jsonPath, JSON.stringify(modelJson));
      await writeFile(weightsPath, new Uint8Array(weightData));
      files = { modelJson: jsonPath, weights: weightsPath, weightBytes: weightData.byteLength };
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weightData.byteLength,
        },
      };
    }),
  );
  if (!files) throw new Error('tfjs did not hand the model artifacts to the save handler');
  return files;
}
