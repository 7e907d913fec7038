import { readFile } from 'node:fs/promises';

/** A word some title files carry at the end, left over from the metadata field that followed the title. */
const STRAY_TAIL = /\s+categories$/;

/** A title as shown: spaces collapsed, a stray trailing field name dropped, the first letter capitalized. */
export function cleanTitle(raw: string): string | undefined {
  const title = raw.replace(/\s+/g, ' ').trim().replace(STRAY_TAIL, '').trim();
  return title ? title[0]!.toUpperCase() + title.slice(1) : undefined;
}

/**
 * Reads a titles file: one line per item, `<shop id> <title>` (the id is the first word). Lines
 * with no title give none; the last line for an id wins.
 */
export async function readTitles(path: string): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const space = line.indexOf(' ');
    const id = (space < 0 ? line : line.slice(0, space)).trim();
    if (!id) continue;
    const title = space < 0 ? undefined : cleanTitle(line.slice(space + 1));
    if (title) titles.set(id, title);
    else titles.delete(id);
  }
  return titles;
}
