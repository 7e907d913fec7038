/**
 * The baseline pocketrank is measured against: the same model with tfjs on the page's main
 * thread, scoring every item with predict + a matMul read back to JavaScript, then a full sort.
 * This is what a storefront gets by dropping tfjs on the page without pocketrank.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { findEncoder, type SasrecEncoder } from '../models/sasrec/sasrec-encoder.js';

let model: LayersModel;
let encoder: SasrecEncoder;
let itemIds: string[];

/** Loads the model on the main thread on the WASM backend. */
export async function loadNaive(url: string, wasmPaths: string): Promise<void> {
  setWasmPaths(wasmPaths);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not start');
  model = await loadLayersModel(url);
  encoder = findEncoder(model)!;
  const meta = (model.getUserDefinedMetadata() as { pocketrank: { itemIds?: string[]; itemIdList?: { file: string } } })
    .pocketrank;
  itemIds = meta.itemIds ?? (await (await fetch(new URL(meta.itemIdList!.file, new URL(url, location.href)))).json());
}

/** Ranks all items for a history of item ids: predict, score everything, sort in JavaScript. */
export function rankNaive(history: string[], k: number): string[] {
  const rowOf = new Map(itemIds.map((id, i) => [id, i + 1]));
  const maxLen = encoder.cfg.maxLen;
  const rows = history.map((id) => rowOf.get(id) ?? 0).slice(-maxLen);
  const input = new Int32Array(maxLen);
  input.set(rows, maxLen - rows.length);
  const user = model.predict(tf.tensor2d(input, [1, maxLen], 'int32')) as tf.Tensor2D;
  const scores = tf.matMul(user, encoder.itemTable(), false, true);
  const values = scores.dataSync();
  tf.dispose([user, scores]);
  const order = Array.from(values.keys()).slice(1);
  order.sort((a, b) => values[b]! - values[a]!);
  return order.slice(0, k).map((row) => itemIds[row - 1]!);
}
