import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { CatalogItem } from '../contract/types.js';
import { checkItemIdList, idsFromCatalog, matchItemIds } from '../models/sasrec/item-id-list.js';

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * Puts the item ids into a loaded model's metadata when model.json holds only a reference to
 * them (models/sasrec/item-id-list.ts): the catalog's first ids when they are the model's (no
 * download), else item-ids.json beside model.json. A reason string when neither works.
 */
export async function resolveItemIds(
  modelUrl: string,
  model: LayersModel,
  catalog: Promise<CatalogItem[]> | undefined,
  fetchFunc: Fetch,
): Promise<string | undefined> {
  const metadata = model.getUserDefinedMetadata() as { pocketrank?: Record<string, unknown> } | undefined;
  const block = metadata?.pocketrank;
  if (!block || block.itemIds !== undefined || block.itemIdList === undefined) return undefined;
  const ref = checkItemIdList(block.itemIdList);
  if (typeof ref === 'string') return ref;
  // A catalog that failed to load is reported by its own promise; the ids can still come from the file.
  let ids: string[] | string | undefined = idsFromCatalog(ref, await catalog?.catch(() => undefined));
  if (!ids) {
    const file = new URL(ref.file, new URL(modelUrl, self.location.href)).href;
    let json: unknown;
    try {
      const response = await fetchFunc(file);
      if (!response.ok) return `item ids ${file}: HTTP ${response.status}`;
      json = await response.json();
    } catch (error) {
      return `item ids ${file}: ${error instanceof Error ? error.message : String(error)}`;
    }
    ids = matchItemIds(ref, json);
    if (typeof ids === 'string') return ids;
  }
  model.setUserDefinedMetadata({ ...metadata, pocketrank: { ...block, itemIds: ids } });
  return undefined;
}
