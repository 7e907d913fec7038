import type { ContentEncoderMeta } from '../content/content-encoder.js';
import type { SearchBlend } from '../search/search-blend.js';

/** Version of the input/output contract between a shipped model and the SDK. */
export const MODEL_CONTRACT = 1;

/** What pocketrank stores in model.json's `userDefinedMetadata.pocketrank`. */
export interface ModelMetadata {
  contract: number;
  /** Stable name of the model, e.g. "beauty-sasrec". */
  modelId: string;
  /** Version of the weights; bumps on every retrain or federated round. */
  modelVersion: string;
  /** Item id of every table row after padding: `itemIds[i]` is row `i + 1`. */
  itemIds: string[];
  /** Table rows federated with the encoder (public: the most popular training items); absent: encoder only. */
  federatedRows?: number[];
  /**
   * Positions of the federated vector (encoder weights, then the federated rows) that a DP
   * deployment federates: ranked on public (training) data, so the list reveals no shopper.
   * A server started with `--dp-coordinates` federates only these; absent: the whole vector.
   */
  dpCoordinates?: number[];
  /**
   * `rows`: a DP deployment federates the federated item rows' block only (the encoder stays as
   * shipped), the part that carries the centralized fine-tuning gain (model card). Named, not
   * listed, so model.json does not grow by a position per value. Excludes `dpCoordinates`.
   */
  dpPart?: 'rows';
  /** The content encoder shipped beside the model: ranks catalog items the model has no row for. */
  content?: ContentEncoderMeta;
  /** How `search()` and `rerank()` blend relevance with the shopper's model score (chosen on validation). */
  search?: SearchBlend;
}

/** Reads and checks the metadata; returns a reason string when it is unusable. */
export function parseModelMetadata(raw: unknown): ModelMetadata | string {
  const meta = (raw as { pocketrank?: unknown } | undefined)?.pocketrank as Partial<ModelMetadata> | undefined;
  if (!meta || typeof meta !== 'object') return 'model.json has no userDefinedMetadata.pocketrank block';
  if (meta.contract !== MODEL_CONTRACT)
    return `model contract ${String(meta.contract)} is not supported (expected ${MODEL_CONTRACT})`;
  if (typeof meta.modelId !== 'string' || typeof meta.modelVersion !== 'string')
    return 'model metadata needs string modelId and modelVersion';
  const listed = (meta as { itemIdList?: { file?: unknown } }).itemIdList;
  if (meta.itemIds === undefined && listed)
    return (
      `model metadata names its item ids in ${String(listed.file)} beside model.json; ` +
      `they must be read first (loadModelFromDisk, the worker's loader)`
    );
  if (!Array.isArray(meta.itemIds) || meta.itemIds.some((id) => typeof id !== 'string'))
    return 'model metadata itemIds must be an array of strings';
  if (
    meta.federatedRows !== undefined &&
    (!Array.isArray(meta.federatedRows) ||
      meta.federatedRows.some((r) => !Number.isInteger(r) || r < 1 || r > meta.itemIds!.length))
  ) {
    return 'model metadata federatedRows must be table rows from 1 to the number of items';
  }
  if (
    meta.dpCoordinates !== undefined &&
    (!Array.isArray(meta.dpCoordinates) ||
      meta.dpCoordinates.length === 0 ||
      meta.dpCoordinates.some((c, i, all) => !Number.isInteger(c) || c < 0 || (i > 0 && c <= all[i - 1]!)))
  ) {
    return 'model metadata dpCoordinates must be ascending positions of the federated vector';
  }
  if (meta.dpPart !== undefined && meta.dpPart !== 'rows')
    return `model metadata dpPart must be "rows"; got ${JSON.stringify(meta.dpPart)}`;
  if (meta.dpPart !== undefined && meta.dpCoordinates !== undefined)
    return 'model metadata lists both dpPart and dpCoordinates; a DP deployment federates one of them';
  if (meta.dpPart === 'rows' && !meta.federatedRows?.length) return 'model metadata dpPart "rows" needs federatedRows';
  if (meta.content !== undefined) {
    const { file, buckets, dim, offset } = meta.content as Partial<ContentEncoderMeta>;
    if (typeof file !== 'string' || !/^[\w.-]+$/.test(file) || !Number.isInteger(buckets) || !Number.isInteger(dim))
      return 'model metadata content needs a file name beside model.json and integer buckets and dim';
    if (offset !== undefined && !Number.isFinite(offset))
      return 'model metadata content.offset must be a finite number';
  }
  if (meta.search !== undefined) {
    const { personal, popularity, rerank } = meta.search as Partial<SearchBlend>;
    if (![personal, popularity, rerank].every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0))
      return 'model metadata search needs finite non-negative personal, popularity and rerank weights';
  }
  return meta as ModelMetadata;
}
