/**
 * A model's item ids live beside model.json, not in it: the catalog shipped with the model lists
 * the same ids in the same order, so a worker whose catalog starts with them needs no second
 * copy. model.json keeps a reference (`userDefinedMetadata.pocketrank.itemIdList`): the file,
 * the count and a digest of the ids. A catalog that was reordered or edited since
 * training fails the digest, and then the file itself is fetched (once; it is cached with the
 * model).
 */

import { textDigest } from './text-digest.js';

/** The reference model.json holds instead of the ids themselves. */
export interface ItemIdList {
  /** File beside model.json: a JSON array of the ids, row 1 first. */
  file: string;
  /** Rows of the item table after padding. */
  count: number;
  /** {@link itemIdDigest} of the ids. */
  digest: string;
}

/** The file {@link saveLayersModel} writes the ids to. */
export const ITEM_ID_FILE = 'item-ids.json';

/**
 * The digest of the ids as one JSON text (unambiguous whatever the ids contain). It guards
 * against a catalog edited since training, not against an attacker: the same origin serves both files.
 */
export function itemIdDigest(ids: readonly string[]): string {
  return textDigest(JSON.stringify(ids));
}

/** Checks a reference's shape; a reason string when it is unusable. */
export function checkItemIdList(raw: unknown): ItemIdList | string {
  const ref = raw as Partial<ItemIdList> | undefined;
  if (
    !ref ||
    typeof ref.file !== 'string' ||
    !/^[\w.-]+$/.test(ref.file) ||
    !Number.isInteger(ref.count) ||
    ref.count! < 0 ||
    typeof ref.digest !== 'string' ||
    !/^[0-9a-f]{16}$/.test(ref.digest)
  )
    return 'model metadata itemIdList needs a file name beside model.json, an integer count and a 16-digit hex digest';
  return ref as ItemIdList;
}

/** The ids when `ids` are exactly the referenced list, else a reason. */
export function matchItemIds(ref: ItemIdList, ids: unknown): string[] | string {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))
    return `${ref.file} must be a JSON array of strings`;
  if (ids.length !== ref.count) return `${ref.file} lists ${ids.length} ids; model.json says ${ref.count}`;
  if (itemIdDigest(ids) !== ref.digest) return `${ref.file} does not match model.json's digest`;
  return ids as string[];
}

/** The catalog's first `count` ids when they are the model's (the shipped pair), else undefined. */
export function idsFromCatalog(ref: ItemIdList, catalog: readonly { id: string }[] | undefined): string[] | undefined {
  if (!catalog || catalog.length < ref.count) return undefined;
  const ids = catalog.slice(0, ref.count).map((item) => item.id);
  return itemIdDigest(ids) === ref.digest ? ids : undefined;
}
