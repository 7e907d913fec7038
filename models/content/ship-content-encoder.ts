import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeFloat16 } from '../sasrec/float16.js';
import type { EvalCase } from '../data/leave-one-out.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import type { ContentEncoderMeta } from './content-encoder.js';
import type { ItemContent } from './content-features.js';
import { fitContentEncoder, type ContentFit } from './fit-content-encoder.js';
import { calibrateNewItemOffset, type OffsetChoice } from './new-item-offset.js';
import { trainContentEncoder } from './train-content-encoder.js';

/** The file the content encoder ships in, beside model.json. */
export const CONTENT_FILE = 'content.bin';

/**
 * Fits the content encoder to a model's trained item rows, from the catalog's content, and
 * ships it beside the model: `content.bin` (float16) and `userDefinedMetadata.pocketrank.content`
 * in model.json. Items of the catalog that the model has no row for are left out of the fit.
 * With `sequences` (training sequences of model rows), the ridge fit is then trained on the
 * model's ranking objective (models/content/train-content-encoder.ts). With `validCases`
 * (validation cases over model rows), the new-product score offset is chosen on them.
 */
export async function shipContentEncoder(
  modelJson: string,
  encoder: SasrecEncoder,
  itemIds: readonly string[],
  catalog: readonly (ItemContent & { id: string })[],
  options: {
    seed?: number;
    lambdas?: readonly number[];
    sequences?: readonly number[][];
    steps?: number;
    validCases?: readonly EvalCase[];
  } = {},
): Promise<ContentFit & { bytes: number; rankingLoss?: [number, number]; offset?: OffsetChoice }> {
  const byId = new Map(catalog.map((item) => [item.id, item]));
  const table = (await encoder.itemTable().data()) as Float32Array;
  const dim = encoder.cfg.hidden;
  const rows = itemIds.flatMap((id, i) => (byId.has(id) ? [i + 1] : []));
  const fit = fitContentEncoder(
    rows.map((row) => byId.get(itemIds[row - 1]!)!),
    rows.map((row) => table.slice(row * dim, (row + 1) * dim)),
    options,
  );
  let rankingLoss: [number, number] | undefined;
  if (options.sequences && rows.length === itemIds.length) {
    const trained = await trainContentEncoder(
      encoder,
      options.sequences,
      itemIds.map((id) => byId.get(id)!),
      fit.encoder,
      { seed: options.seed, ...(options.steps !== undefined && { steps: options.steps }) },
    );
    fit.encoder = trained.encoder;
    rankingLoss = [trained.losses[0]!, trained.losses.at(-1)!];
  }
  const bits = encodeFloat16(fit.encoder.toValues());
  const offset =
    options.validCases && rows.length === itemIds.length
      ? await calibrateNewItemOffset(
          encoder,
          fit.encoder,
          itemIds.map((id) => byId.get(id)!),
          options.validCases,
          { seed: options.seed },
        )
      : undefined;
  await writeFile(join(dirname(modelJson), CONTENT_FILE), bits);
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
    userDefinedMetadata: { pocketrank: Record<string, unknown> };
  };
  const content: ContentEncoderMeta = {
    file: CONTENT_FILE,
    buckets: fit.encoder.buckets,
    dim,
    lambda: fit.lambda,
    ...(offset && { offset: offset.offset }),
  };
  json.userDefinedMetadata.pocketrank.content = content;
  await writeFile(modelJson, JSON.stringify(json));
  return { ...fit, bytes: bits.byteLength, ...(rankingLoss && { rankingLoss }), ...(offset && { offset }) };
}
