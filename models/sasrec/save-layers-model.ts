import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { encodeFloat16 } from './float16.js';
import { ITEM_ID_FILE, itemIdDigest } from './item-id-list.js';

/** Files written by {@link saveLayersModel}. */
export interface SavedModelFiles {
  modelJson: string;
  weights: string;
  weightBytes: number;
  /** item-ids.json, when the metadata lists item ids (model.json then holds only a reference). */
  itemIds?: string;
}

type PocketrankBlock = { itemIds?: string[] } & Record<string, unknown>;

/** Moves the metadata's item ids to their own file, leaving a digest reference (see item-id-list.ts). */
async function splitItemIds(
  dir: string,
  metadata: { pocketrank?: PocketrankBlock } | undefined,
): Promise<{ metadata: object | undefined; file?: string }> {
  const ids = metadata?.pocketrank?.itemIds;
  if (!metadata?.pocketrank || !ids) return { metadata };
  const { itemIds: _ids, ...rest } = metadata.pocketrank;
  const itemIdList = { file: ITEM_ID_FILE, count: ids.length, digest: itemIdDigest(ids) };
  const file = join(dir, ITEM_ID_FILE);
  await writeFile(file, JSON.stringify(ids));
  return { metadata: { ...metadata, pocketrank: { ...rest, itemIdList } }, file };
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
 * Weight storage: full float32; float16 (half the bytes); or uint8 with a scale and minimum per
 * tensor (a quarter: the form tfjs's weights manifest decodes natively, measured equal in
 * ranking quality to float16, see experiments/results/int8-weights.json).
 */
export type WeightPrecision = 'float32' | 'float16' | 'uint8';

/** The precisions {@link saveLayersModel} writes. */
export const WEIGHT_PRECISIONS: readonly WeightPrecision[] = ['float32', 'float16', 'uint8'];

/** One float32 tensor as uint8 over its [min, max], with the manifest entry tfjs dequantizes (q * scale + min). */
function encodeUint8(values: Float32Array): { bytes: Uint8Array; min: number; scale: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) [min, max] = [0, 0];
  // A constant tensor (a zero bias) keeps scale 1 so that every value decodes to exactly min.
  const scale = (max - min) / 255 || 1;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round((values[i]! - min) / scale);
  return { bytes, min, scale };
}

/** Rewrites float32 weights at a lower precision, with the `quantization` entries tfjs decodes on load. */
function quantize(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  precision: Exclude<WeightPrecision, 'float32'>,
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
    const values = new Float32Array(data.slice(offset, offset + bytes));
    offset += bytes;
    if (precision === 'float16') {
      parts.push(new Uint8Array(encodeFloat16(values).buffer));
      return { ...spec, quantization: { dtype: 'float16' as const } };
    }
    const { bytes: q, min, scale } = encodeUint8(values);
    parts.push(q);
    return { ...spec, quantization: { dtype: 'uint8' as const, min, scale } };
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
      const { specs, data: weightData } = precision === 'float32' ? raw : quantize(raw.specs, raw.data, precision);
      const split = await splitItemIds(
        dir,
        artifacts.userDefinedMetadata as { pocketrank?: PocketrankBlock } | undefined,
      );
      const modelJson = {
        format: 'layers-model',
        generatedBy: `pocketrank (tfjs-layers ${tf.version_core})`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsName], weights: specs }],
        userDefinedMetadata: split.metadata,
      };
      const jsonPath = join(dir, 'model.json');
      const weightsPath = join(dir, weightsName);
      await writeFile(jsonPath, JSON.stringify(modelJson));
      await writeFile(weightsPath, new Uint8Array(weightData));
      files = {
        modelJson: jsonPath,
        weights: weightsPath,
        weightBytes: weightData.byteLength,
        ...(split.file && { itemIds: split.file }),
      };
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
