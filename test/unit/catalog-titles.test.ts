import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brandsFromTitles } from '../../models/catalog/brands-from-titles.js';
import { cleanTitle, readTitles } from '../../models/catalog/item-titles.js';

describe('catalog titles', () => {
  it('cleans a title: spaces collapsed, the stray trailing field name dropped, first letter capitalized', () => {
    expect(cleanTitle('  raw mango   butter 16 oz categories ')).toBe('Raw mango butter 16 oz');
    expect(cleanTitle('categories')).toBe('Categories');
    expect(cleanTitle('   ')).toBeUndefined();
  });

  it('reads `<id> <title>` lines; an id with no title gets none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-titles-'));
    const file = join(dir, 'titles.txt');
    await writeFile(file, 'B01 nail lacquer simmer and shimmer\nB02\nB03 \n\nB04 sedu ionic flat categories\n');
    const titles = await readTitles(file);
    expect([...titles]).toEqual([
      ['B01', 'Nail lacquer simmer and shimmer'],
      ['B04', 'Sedu ionic flat'],
    ]);
  });

  it('reads brands off titles through shared attribute ids, only where the title starts with one', () => {
    const items = [
      { title: 'China glaze nail lacquer red', tags: ['7', '1'] },
      { title: 'China glaze crackle', tags: ['7', '1'] },
      { title: 'China glaze top coat', tags: ['7', '2'] },
      { title: 'Nail polish remover', tags: ['7', '1'] }, // under the brand's id, but not named by it
      { title: 'Nail file set', tags: ['1'] },
      { title: 'China glaze base', tags: ['9'] }, // an id too rare to tell
      { tags: ['7'] },
    ];
    // Attribute 1 spans several brands: no 60% share starts the same; attribute 7 is 3 of 4 "china glaze".
    expect(brandsFromTitles(items)).toEqual([
      'China Glaze',
      'China Glaze',
      'China Glaze',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
