import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import './sasrec-encoder.js';
import { checkItemIdList, matchItemIds } from './item-id-list.js';

/**
 * The item ids of a model.json's metadata block: listed in it, or read from the file its
 * `itemIdList` names and checked against its digest; undefined when it has neither.
 */
export async function readItemIds(
  modelJsonPath: string,
  block: Record<string, unknown>,
): Promise<string[] | undefined> {
  if (Array.isArray(block.itemIds)) return block.itemIds as string[];
  if (block.itemIdList === undefined) return undefined;
  const ref = checkItemIdList(block.itemIdList);
  if (typeof ref === 'string') throw new Error(`${modelJsonPath}: ${ref}`);
  const ids = matchItemIds(ref, JSON.parse(await readFile(join(dirname(modelJsonPath), ref.file), 'utf8')));
  if (typeof ids === 'string') throw new Error(`${modelJsonPath}: ${ids}`);
  return ids;
}

/** Loads a layers-format model.json and its shards from disk (Node has no file:// handler without tfjs-node). */
export async function loadModelFromDisk(modelJsonPath: string): Promise<LayersModel> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    userDefinedMetadata?: Record<string, unknown>;
  };
  const dir = dirname(modelJsonPath);
  const block = (json.userDefinedMetadata as { pocketrank?: Record<string, unknown> } | undefined)?.pocketrank;
  // The ids may be beside model.json (item-id-list.ts); tools read them as if inline.
  if (block && block.itemIds === undefined) block.itemIds = await readItemIds(modelJsonPath, block);
  const shards: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) shards.push(await readFile(join(dir, path)));
    specs.push(...group.weights);
  }
  const total = shards.reduce((n, s) => n + s.length, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.length;
  }
  return loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: weightData.buffer,
      ...(json.userDefinedMetadata && { userDefinedMetadata: json.userDefinedMetadata }),
    }),
  );
}
