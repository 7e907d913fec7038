import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { parseModelMetadata, type ModelMetadata } from '../models/sasrec/model-metadata.js';
import { findEncoder, type SasrecEncoder } from '../models/sasrec/sasrec-encoder.js';
import { ContentEncoder, fromFloat16Bits } from '../models/content/content-encoder.js';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { CatalogItem } from '../contract/types.js';
import { resolveItemIds } from './resolve-item-ids.js';

/** A model that passed the contract checks. */
export interface LoadedModel {
  model: LayersModel;
  encoder: SasrecEncoder;
  meta: ModelMetadata;
  /** The shared item table, `[vocabSize, hidden]`; owned by the model. */
  itemTable: tf.Tensor2D;
  maxLen: number;
  /**
   * Maps a catalog item's content to the item space, when the model ships one and the catalog
   * has products it has no row for (see {@link loadContentFor}): new products get rows from it.
   */
  content?: ContentEncoder;
  /** Fetches the model's content encoder (once; absent when the model ships none). */
  loadContent?: () => Promise<ContentEncoder>;
}

/**
 * Fetches the content encoder when the catalog has products the model has no row for, and only
 * then: a catalog the model was trained on (every start of the shipped pair) needs none of its
 * bytes, so they stay off the first visit's critical path.
 */
export async function loadContentFor(loaded: LoadedModel, catalog: readonly CatalogItem[]): Promise<void> {
  if (loaded.content || !loaded.loadContent) return;
  const known = new Set(loaded.meta.itemIds);
  if (catalog.some((item) => !known.has(item.id))) loaded.content = await loaded.loadContent();
}

function fail(url: string, why: string): never {
  throw new PocketrankError('model_load_failed', `model ${url}: ${why}`);
}

/** Checks the loaded graph against the contract: int history in, user state out, shared item table. */
function checkContract(url: string, model: LayersModel): LoadedModel {
  const encoder = findEncoder(model);
  if (!encoder) fail(url, 'has no SasrecEncoder layer; it is not a pocketrank ranking model');
  const meta = parseModelMetadata(model.getUserDefinedMetadata());
  if (typeof meta === 'string') fail(url, meta);
  const { maxLen, hidden, vocabSize } = encoder.cfg;
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (model.inputs.length !== 1 || inShape?.length !== 2 || inShape[1] !== maxLen) {
    fail(url, `expected one input of shape [batch, ${maxLen}], got ${JSON.stringify(inShape)}`);
  }
  if (model.outputs.length !== 1 || outShape?.length !== 2 || outShape[1] !== hidden) {
    fail(url, `expected one output of shape [batch, ${hidden}], got ${JSON.stringify(outShape)}`);
  }
  const itemTable = encoder.itemTable();
  if (itemTable.shape[0] !== vocabSize || itemTable.shape[1] !== hidden)
    fail(url, `item table has shape ${JSON.stringify(itemTable.shape)}`);
  if (meta.itemIds.length !== vocabSize - 1)
    fail(url, `metadata lists ${meta.itemIds.length} items but the table has ${vocabSize - 1}`);
  return { model, encoder, meta, itemTable, maxLen };
}

/**
 * Loads a tfjs layers-format model from a URL (through `fetchFunc`, e.g. the on-device model
 * cache, when given) and checks it; every failure names the URL.
 * The download starts at once; tensors are made only after `backendReady`, so fetching the
 * weights overlaps with compiling the backend. `catalog` is the catalog being loaded beside
 * it: a model.json that names its item ids by reference takes them from there when it can.
 */
export async function loadModel(
  url: string,
  backendReady: Promise<unknown> = Promise.resolve(),
  fetchFunc?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>,
  catalog?: Promise<CatalogItem[]>,
): Promise<LoadedModel> {
  let model: LayersModel;
  try {
    const artifacts = tf.io.http(url, fetchFunc && { fetchFunc }).load!();
    // A failed backend is reported by its own promise; this one must not become an unhandled rejection.
    artifacts.catch(() => undefined);
    await backendReady;
    model = await loadLayersModel({ load: () => artifacts });
  } catch (error) {
    fail(url, error instanceof Error ? error.message : String(error));
  }
  try {
    const unresolved = await resolveItemIds(url, model, catalog, fetchFunc ?? fetch);
    if (unresolved) fail(url, unresolved);
    const loaded = checkContract(url, model);
    if (loaded.meta.content) {
      let once: Promise<ContentEncoder> | undefined;
      // A failed download may be retried by a later call (an upsert); a good one is kept.
      loaded.loadContent = () =>
        (once ??= loadContentEncoder(url, loaded, fetchFunc ?? fetch).catch((error: unknown) => {
          once = undefined;
          throw error;
        }));
    }
    return loaded;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Fetches the content encoder beside model.json (through the same fetch: it is cached with the model). */
async function loadContentEncoder(
  url: string,
  loaded: LoadedModel,
  fetchFunc: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>,
): Promise<ContentEncoder> {
  const meta = loaded.meta.content!;
  if (meta.dim !== loaded.encoder.cfg.hidden)
    fail(url, `content encoder has dimension ${meta.dim}; the item table has ${loaded.encoder.cfg.hidden}`);
  const file = new URL(meta.file, new URL(url, self.location.href)).href;
  let response: Response;
  try {
    response = await fetchFunc(file);
  } catch (error) {
    fail(url, `content encoder ${file}: ${String(error)}`);
  }
  if (!response.ok) fail(url, `content encoder ${file}: HTTP ${response.status}`);
  const bits = new Uint16Array(await response.arrayBuffer());
  try {
    return ContentEncoder.fromValues(meta, Float32Array.from(bits, fromFloat16Bits));
  } catch (error) {
    fail(url, `content encoder ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
