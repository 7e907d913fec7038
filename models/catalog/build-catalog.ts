import { access, readFile } from 'node:fs/promises';
import { brandsFromTitles } from './brands-from-titles.js';
import { readTitles } from './item-titles.js';
import { loadShopIds } from './shop-ids.js';

/** A catalog entry as shipped in catalog.json. */
export interface ShippedItem {
  /** Id the shop uses (the ASIN for Amazon data). */
  id: string;
  attributes: Record<string, string | number | string[]>;
  /** Training interactions: orders the cold-start "trending" list. */
  popularity: number;
  /** Product name, from the titles file. */
  title?: string;
  /** Brand, where the title starts with one (see brandsFromTitles). */
  brand?: string;
}

/** The metadata files a data file may have beside it. */
export interface CatalogFiles {
  datamaps?: string;
  attributes?: string;
  /** `<shop id> <title>` per line. */
  titles?: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Finds `<name>_datamaps.json`, `<name>_item2attributes.json` and `<name>_item_titles.txt` beside a `<name>.txt` data file. */
export async function siblingMetadata(dataPath: string): Promise<CatalogFiles> {
  const stem = dataPath.replace(/\.[^./]+$/, '');
  const out: CatalogFiles = {};
  if (await exists(`${stem}_datamaps.json`)) out.datamaps = `${stem}_datamaps.json`;
  if (await exists(`${stem}_item2attributes.json`)) out.attributes = `${stem}_item2attributes.json`;
  if (await exists(`${stem}_item_titles.txt`)) out.titles = `${stem}_item_titles.txt`;
  return out;
}

/** The metadata files of a data file: those beside it, each replaced by a CLI flag that names one. */
export async function catalogFiles(dataPath: string, flags: Record<string, unknown>): Promise<CatalogFiles> {
  const files = await siblingMetadata(dataPath);
  for (const key of ['datamaps', 'attributes', 'titles'] as const)
    if (typeof flags[key] === 'string') files[key] = flags[key] as string;
  return files;
}

/** How the data file's item ids become shop ids: the datamaps file beside it, or the one `flags.datamaps` names. */
export async function shopIdsBeside(
  dataPath: string,
  flags: Record<string, unknown> = {},
): Promise<(sourceId: string) => string> {
  return loadShopIds((await catalogFiles(dataPath, flags)).datamaps);
}

/**
 * Builds the catalog for the data's items: shop ids from datamaps' `id2item` when given
 * (else the data ids), attribute ids as `tags`, training popularity for cold-start ranking, and
 * with a titles file each item's title and, where the title starts with one, its brand.
 * Amazon product pages are `https://www.amazon.com/dp/<id>`; not stored, to keep the file small.
 */
export async function buildCatalog(
  sourceIds: readonly string[],
  train: readonly number[][],
  files: CatalogFiles,
): Promise<ShippedItem[]> {
  const shopId = await loadShopIds(files.datamaps);
  const attrs: Record<string, number[]> = files.attributes ? JSON.parse(await readFile(files.attributes, 'utf8')) : {};
  const popularity = new Map<number, number>();
  for (const seq of train) for (const row of seq) popularity.set(row, (popularity.get(row) ?? 0) + 1);
  const titles = files.titles ? await readTitles(files.titles) : new Map<string, string>();
  const items = sourceIds.map((sourceId, i): ShippedItem => {
    const id = shopId(sourceId);
    const attributes: ShippedItem['attributes'] = {};
    const tags = attrs[sourceId];
    if (tags?.length) attributes.tags = tags.map(String);
    const title = titles.get(id);
    return { id, attributes, popularity: popularity.get(i + 1) ?? 0, ...(title && { title }) };
  });
  const brands = brandsFromTitles(items.map((item) => ({ title: item.title, tags: item.attributes.tags as string[] })));
  return items.map((item, i) => (brands[i] ? { ...item, brand: brands[i] } : item));
}
