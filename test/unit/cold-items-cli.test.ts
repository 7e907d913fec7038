import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';

const run = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');

/** Shoppers walking a ring of 40 products; a product's title names its stretch of the ring. */
async function shopExport(dir: string): Promise<string> {
  const rand = mulberry32(9);
  const lines = ['user_id,item_id,timestamp,event_type'];
  for (let u = 0; u < 500; u++) {
    let item = Math.floor(rand() * 40);
    for (let t = 0, length = 6 + Math.floor(rand() * 10); t < length; t++) {
      lines.push(`user-${u},prod-${item},${1_700_000_000 + t * 60},view`);
      item = rand() < 0.85 ? (item + 1) % 40 : Math.floor(rand() * 40);
    }
  }
  const csv = join(dir, 'ring.csv');
  await writeFile(csv, `${lines.join('\n')}\n`);
  const titles = Array.from(
    { length: 40 },
    (_, i) => `prod-${i} acme stretch${Math.floor(i / 4)} stretch${Math.floor((i + 2) / 4)}x shade ${i}`,
  );
  await writeFile(join(dir, 'ring_item_titles.txt'), `${titles.join('\n')}\n`);
  return csv;
}

describe('the cold-item and search protocols', () => {
  it('trains with items held out, ships a content encoder, and ranks the held-out items through it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-cold-'));
    const csv = await shopExport(dir);
    const out = join(dir, 'model');
    const flags = ['--hidden', '16', '--blocks', '1', '--heads', '1', '--max-len', '12', '--epochs', '10'];
    await run(
      tsx,
      [
        'models/cli/train.ts',
        '--data',
        csv,
        '--out',
        out,
        '--cold-items',
        '0.2',
        ...flags,
        '--lr',
        '0.01',
        '--batch',
        '64',
        '--negatives',
        '0',
        '--dropout',
        '0.1',
        '--refit',
        '0',
      ],
      {
        maxBuffer: 1 << 24,
      },
    );
    const training = JSON.parse(await readFile(join(out, 'training.json'), 'utf8'));
    expect(training.coldItems).toHaveLength(8);
    const model = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')).userDefinedMetadata.pocketrank;
    const itemIds = JSON.parse(await readFile(join(out, model.itemIdList.file), 'utf8'));
    expect(itemIds).toHaveLength(32);
    for (const id of training.coldItems) expect(itemIds).not.toContain(id);
    expect(model.content).toMatchObject({ file: 'content.bin', buckets: 1536, dim: 16 });
    expect((await readFile(join(out, 'content.bin'))).byteLength).toBe(2 * 16 * 1537);
    // The new-product offset: chosen on validation users, the least demotion within the 3% budget.
    const choice = training.contentEncoder.newItemOffset;
    expect(model.content.offset).toBe(choice.offset);
    expect(choice.grid.map((r: { offset: number }) => r.offset)[0]).toBe(0);
    const within = choice.grid.filter((r: { warmCost: number }) => r.warmCost <= 0.03);
    expect(choice.offset).toBe(within.length ? within[0].offset : -3);
    const catalog = JSON.parse(await readFile(join(out, 'catalog.json'), 'utf8')).items as {
      id: string;
      popularity: number;
    }[];
    expect(catalog).toHaveLength(40);
    for (const id of training.coldItems) expect(catalog.find((c) => c.id === id)!.popularity).toBe(0);

    const json = join(dir, 'eval.json');
    await run(tsx, ['models/cli/eval.ts', '--model', out, '--data', csv, '--cold', '--json', json], {
      maxBuffer: 1 << 24,
    });
    const { cold } = JSON.parse(await readFile(json, 'utf8'));
    expect(cold.coldItems).toBe(8);
    expect(cold.coldUsers).toBeGreaterThan(40);
    expect(cold.cold['content-off']['HR@10']).toBe(0); // new items cannot be ranked without it
    expect(cold.cold.popularity['HR@10']).toBe(0); // and have no training popularity
    expect(cold.cold['random-new']['HR@10']).toBeCloseTo(1, 1); // 8 new items: any 10 hold them all
    expect(cold.cold.content['HR@10']).toBeGreaterThan(0.3);
    expect(cold.warm.content['NDCG@10']).toBeGreaterThan(0);
    expect(cold.offset).toBe(choice.offset);
    // Demoting new rows can only help the trained items' users.
    expect(cold.warm.content['NDCG@10']).toBeGreaterThanOrEqual(cold.warm['content, offset 0']['NDCG@10']);

    // The search blend, chosen on validation queries before any refit, ships in model.json; the
    // search protocol then ranks the test queries' matches ("acme shade" matches every product:
    // only the shopper's walk along the ring tells them apart).
    expect(model.search).toEqual(training.searchBlend.blend);
    expect(training.searchBlend.valid.users).toBeGreaterThan(400);
    expect(training.searchBlend.valid.personalized).toBeGreaterThanOrEqual(training.searchBlend.valid.lexical);
    const searchJson = join(dir, 'search.json');
    await run(tsx, ['models/cli/eval.ts', '--model', out, '--data', csv, '--search', '--json', searchJson], {
      maxBuffer: 1 << 24,
    });
    const { search } = JSON.parse(await readFile(searchJson, 'utf8'));
    expect(search.blend).toEqual(model.search);
    expect(search.matched).toBeGreaterThan(300);
    expect(search.meanMatches).toBeGreaterThan(5);
    expect(search.personalized[0]['NDCG@10']).toBeGreaterThan(1.5 * search.lexical['NDCG@10']);
    expect(search.reranked[0]['NDCG@10']).toBeGreaterThan(search.shopOrder['NDCG@10']);
  }, 300_000);
});
