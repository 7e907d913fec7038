import { readFile } from 'node:fs/promises';

/**
 * How a data file's item ids become the shop ids that model.json and catalog.json use:
 * `id2item` of a datamaps file (the ASIN for Amazon data), else the data ids themselves. The
 * catalog does not carry the data ids (they are no use to the SDK), so tools that read a data
 * file next to a shipped model map through this.
 */
export async function loadShopIds(datamapsPath: string | undefined): Promise<(sourceId: string) => string> {
  if (!datamapsPath) return (sourceId) => sourceId;
  const { id2item } = JSON.parse(await readFile(datamapsPath, 'utf8')) as { id2item?: Record<string, string> };
  if (!id2item || typeof id2item !== 'object') throw new Error(`${datamapsPath} has no id2item map`);
  return (sourceId) => id2item[sourceId] ?? sourceId;
}
