import { access, readFile } from 'node:fs/promises';

/** A catalog entry as shipped in catalog.json. */
export interface ShippedItem {
  /** Id the shop uses (the ASIN for Amazon data). */
  id: string;
  /** Id of the item in the training data file. */
  sourceId: string;
  attributes: Record<string, string | number | string[]>;
  /** Training interactions: orders the cold-start "trending" list. */
  popularity: number;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Finds `<name>_datamaps.json` and `<name>_item2attributes.json` beside a `<name>.txt` data file. */
export async function siblingMetadata(dataPath: string): Promise<{ datamaps?: string; attributes?: string }> {
  const stem = dataPath.replace(/\.[^./]+$/, '');
  const out: { datamaps?: string; attributes?: string } = {};
  if (await exists(`${stem}_datamaps.json`)) out.datamaps = `${stem}_datamaps.json`;
  if (await exists(`${stem}_item2attributes.json`)) out.attributes = `${stem}_item2attributes.json`;
  return out;
}

/**
 * Builds the catalog for the data's items: shop ids from datamaps' `id2item` when given
 * (else the data ids), attribute ids as `tags`, and training popularity for cold-start ranking.
 * Amazon product pages are `https://www.amazon.com/dp/<id>`; not stored, to keep the file small.
 */
export async function buildCatalog(
  sourceIds: readonly string[],
  train: readonly number[][],
  files: { datamaps?: string; attributes?: string },
): Promise<ShippedItem[]> {
  const id2item: Record<string, string> = files.datamaps
    ? (JSON.parse(await readFile(files.datamaps, 'utf8')) as { id2item: Record<string, string> }).id2item
    : {};
  const attrs: Record<string, number[]> = files.attributes ? JSON.parse(await readFile(files.attributes, 'utf8')) : {};
  const popularity = new Map<number, number>();
  for (const seq of train) for (const row of seq) popularity.set(row, (popularity.get(row) ?? 0) + 1);
  return sourceIds.map((sourceId, i) => {
    const id = id2item[sourceId] ?? sourceId;
    const attributes: ShippedItem['attributes'] = {};
    const tags = attrs[sourceId];
    if (tags?.length) attributes.tags = tags.map(String);
    return { id, sourceId, attributes, popularity: popularity.get(i + 1) ?? 0 };
  });
}
