/**
 * A model's item ids live beside model.json, not in it: the catalog shipped with the model lists
 * the same ids in the same order, so a worker whose catalog starts with them needs no second
 * copy. model.json keeps a reference (`userDefinedMetadata.pocketrank.itemIdList`): the file,
 * the count and a digest of the ids. A catalog that was reordered or edited since
 * training fails the digest, and then the file itself is fetched (once; it is cached with the
 * model).
 */

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
 * A 64-bit FNV-1a digest (two 32-bit lanes) of the ids as one JSON text. It guards against a
 * catalog that was edited since training, not against an attacker (the same origin serves both
 * files), and it must be synchronous and available in any context: WebCrypto's digest is async
 * and absent from pages served over plain HTTP.
 */
export function itemIdDigest(ids: readonly string[]): string {
  const text = JSON.stringify(ids);
  let [a, b] = [0x811c9dc5, 0x01000193 ^ text.length];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 2246822519);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
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
