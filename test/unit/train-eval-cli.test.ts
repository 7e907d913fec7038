import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../models/data/rng.js';
import { itemIdDigest } from '../../models/sasrec/item-id-list.js';
import { federatedPartOf } from '../../server/rounds/initial-model.js';

const run = promisify(execFile);
const tsx = join('node_modules', '.bin', 'tsx');
let dir = '';

/** A shop export where shoppers mostly walk a ring of 40 products (i -> i+1), with some noise. */
function syntheticCsv(): string {
  const rand = mulberry32(5);
  const lines = ['user_id,item_id,timestamp,event_type'];
  for (let u = 0; u < 400; u++) {
    let item = Math.floor(rand() * 40);
    const length = 6 + Math.floor(rand() * 10);
    for (let t = 0; t < length; t++) {
      lines.push(`user-${u},prod-${item},${1_700_000_000 + t * 60},view`);
      item = rand() < 0.85 ? (item + 1) % 40 : Math.floor(rand() * 40);
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('npm run train / npm run eval on a CSV export', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pocketrank-cli-'));
    await writeFile(join(dir, 'shop.csv'), syntheticCsv());
    // Titles beside the export, as `<name>_item_titles.txt`; odd products have none.
    const titles = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? `prod-${i}` : `prod-${i} acme  lipstick shade ${i} categories`,
    );
    await writeFile(join(dir, 'shop_item_titles.txt'), `${titles.join('\n')}\n`);
  });

  it('trains, ships a loadable model and beats both baselines on sequential data', async () => {
    const out = join(dir, 'model');
    const flags = [
      '--hidden',
      '16',
      '--blocks',
      '1',
      '--heads',
      '1',
      '--max-len',
      '12',
      '--epochs',
      '12',
      '--lr',
      '0.01',
      '--batch',
      '64',
      '--negatives',
      '0',
      '--dropout',
      '0.1',
      '--dp-fraction',
      '0.02',
    ];
    const train = await run(tsx, ['models/cli/train.ts', '--data', join(dir, 'shop.csv'), '--out', out, ...flags], {
      maxBuffer: 1 << 24,
    });
    expect(train.stdout).toMatch(/test, shipped uint8 weights/);
    expect(train.stderr).toMatch(/epoch 1\/12 .*valid NDCG@10/);
    const report = JSON.parse(await readFile(join(out, 'training.json'), 'utf8'));
    expect(report.precision).toBe('uint8');
    // Early stopping or the epoch limit ended it, not the wall clock: the run does not depend on the machine.
    expect(['patience', 'epochs']).toContain(report.stoppedBy);
    const modelJson = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    // The ids are beside model.json, which keeps a reference the worker checks the catalog against.
    const idList = modelJson.userDefinedMetadata.pocketrank.itemIdList;
    expect(modelJson.userDefinedMetadata.pocketrank.itemIds).toBeUndefined();
    expect(idList).toMatchObject({ file: 'item-ids.json', count: 40 });
    const ids = JSON.parse(await readFile(join(out, 'item-ids.json'), 'utf8'));
    expect(ids).toHaveLength(40);
    expect(idList.digest).toBe(itemIdDigest(ids));
    expect(modelJson.weightsManifest[0].weights[0].quantization.dtype).toBe('uint8');
    const catalog = JSON.parse(await readFile(join(out, 'catalog.json'), 'utf8')).items as {
      id: string;
      title?: string;
    }[];
    expect(catalog.find((c) => c.id === 'prod-4')!.title).toBe('Acme lipstick shade 4');
    expect(catalog.find((c) => c.id === 'prod-5')!.title).toBeUndefined();
    // --dp-fraction: the DP deployment's positions (2% of the federated vector), ascending.
    const { dpCoordinates } = modelJson.userDefinedMetadata.pocketrank;
    expect(dpCoordinates.length).toBeGreaterThan(0);
    expect(dpCoordinates.every((c: number, i: number) => i === 0 || c > dpCoordinates[i - 1])).toBe(true);

    const json = join(dir, 'eval.json');
    const dump = join(dir, 'top.txt');
    await run(
      tsx,
      ['models/cli/eval.ts', '--model', out, '--data', join(dir, 'shop.csv'), '--json', json, '--dump-topk', dump],
      { maxBuffer: 1 << 24 },
    );
    const metrics = JSON.parse(await readFile(json, 'utf8'));
    expect(Object.keys(metrics)).toEqual(['model', 'popularity', 'itemknn', 'lists']);
    // The lists as shown: the model's at diversity 0 hold the same hits as its ranking; more
    // diversity spreads them wider in the embedding space.
    const { lists } = metrics;
    expect(Object.keys(lists)).toEqual(['model', 'model d=0.25', 'model d=0.5', 'popularity', 'itemknn']);
    expect(lists.model['HR@10']).toBeCloseTo(metrics.model['HR@10'], 6);
    expect(lists['model d=0.5']['ILD@10']).toBeGreaterThan(lists.model['ILD@10']);
    expect(lists.popularity['coverage@10']).toBeLessThan(lists.model['coverage@10']);
    expect(metrics.model['HR@10']).toBeGreaterThan(0.5);
    expect(metrics.model['NDCG@10']).toBeGreaterThan(metrics.popularity['NDCG@10']);
    expect(metrics.model['NDCG@10']).toBeGreaterThan(metrics.itemknn['NDCG@10']);
    // Same data, flags and seed: byte-identical weights.
    const again = join(dir, 'again');
    await run(tsx, ['models/cli/train.ts', '--data', join(dir, 'shop.csv'), '--out', again, ...flags], {
      maxBuffer: 1 << 24,
    });
    expect(Buffer.compare(await readFile(join(again, 'weights.bin')), await readFile(join(out, 'weights.bin')))).toBe(
      0,
    );
    expect(
      JSON.parse(await readFile(join(again, 'model.json'), 'utf8')).userDefinedMetadata.pocketrank.dpCoordinates,
    ).toEqual(dpCoordinates);
    // The wall-clock guard is a safety net that says when it fired.
    const rushed = join(dir, 'rushed');
    const guard = await run(
      tsx,
      [
        'models/cli/train.ts',
        '--data',
        join(dir, 'shop.csv'),
        '--out',
        rushed,
        ...flags,
        '--max-minutes',
        '0',
        '--refit',
        '0',
      ],
      { maxBuffer: 1 << 24 },
    );
    expect(guard.stderr).toMatch(/warning: stopping at the 0-minute safety net .* depends on the machine's speed/);
    expect(JSON.parse(await readFile(join(rushed, 'training.json'), 'utf8'))).toMatchObject({
      stoppedBy: 'wall-clock',
      epochsRun: 1,
    });
    // npm run dp-coordinates --part rows names the item rows' block instead (the list goes): a DP
    // server then starts from exactly the rows' values, the tail of the whole federated part.
    await run(tsx, ['models/cli/dp-coordinates.ts', '--model', join(again, 'model.json'), '--part', 'rows']);
    const rowsMeta = JSON.parse(await readFile(join(again, 'model.json'), 'utf8')).userDefinedMetadata.pocketrank;
    expect(rowsMeta.dpPart).toBe('rows');
    expect(rowsMeta.dpCoordinates).toBeUndefined();
    const whole = await federatedPartOf(join(again, 'model.json'));
    const rows = await federatedPartOf(join(again, 'model.json'), { dpCoordinates: true });
    expect(rows.length).toBe(rowsMeta.federatedRows.length * 16);
    expect(Array.from(rows)).toEqual(Array.from(whole.subarray(whole.length - rows.length)));
    await expect(
      run(tsx, ['models/cli/dp-coordinates.ts', '--model', join(again, 'model.json'), '--part', 'encoder']),
    ).rejects.toThrow(/usage/);

    const lines = (await readFile(dump, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(400);
    const [user, ...items] = lines[0]!.split(' ');
    expect(user).toBe('user-0');
    expect(items).toHaveLength(20);
    for (const id of items) expect(id).toMatch(/^prod-\d+$/);
  }, 300_000);
});
