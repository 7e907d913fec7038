import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import { createRecommender } from 'pocketrank';
import { FIXTURE_MODEL, deleteDb, rejection, uniqueDb } from './helpers.js';

type Logged = { method: string; url: string; headers: Record<string, string> }[];
const log = async () => (await executeServerCommand('request-log')) as Logged;
const of = (requests: Logged, path: string) => requests.filter((r) => r.url.split('?')[0]!.endsWith(path));
const requested = async (path: string) => of(await log(), path);

// What a start downloads, and what it leaves out: model.json names its item ids by reference
// (models/sasrec/item-id-list.ts) and the shipped catalog lists them first, so they come once, in
// the catalog; the content encoder comes only for a product the model has no row for; the page
// starts the big downloads while the worker boots (src/prefetch-model.ts), each body once.
describe('a start downloads each file once, and only the files it needs', () => {
  it('the shipped Beauty model and catalog start without item-ids.json', async () => {
    await executeServerCommand('request-log');
    const dbName = uniqueDb('ids');
    const rec = await createRecommender({ model: '/models/beauty/model.json', dbName, consent: 'denied' });
    try {
      const status = await rec.status();
      expect(status.rankableItems).to.equal(12101);
      const requests = await log();
      expect(of(requests, '/models/beauty/item-ids.json')).to.have.length(0);
      expect(of(requests, '/models/beauty/content.bin')).to.have.length(0);
      expect(await rec.recommend({ k: 3 })).to.have.length(3);
      // A product the model has never seen brings the content encoder, once, and gets a row from it.
      await rec.upsertItems([{ id: 'new-serum', title: 'Vitamin c serum for face', attributes: { tags: ['17'] } }]);
      await rec.upsertItems([{ id: 'new-balm', title: 'Lip balm', attributes: { tags: ['2'] } }]);
      expect(await requested('/models/beauty/content.bin')).to.have.length(1);
      expect((await rec.status()).rankableItems).to.equal(12103);
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('a catalog that no longer starts with the model ids brings item-ids.json, and ranks the same', async () => {
    await executeServerCommand('request-log');
    const dbName = uniqueDb('ids');
    // The fixture catalog drops the model's last two items and adds two new ones.
    const rec = await createRecommender({ model: FIXTURE_MODEL, dbName, consent: 'denied' });
    try {
      expect((await requested('/test/fixtures/generated/model/item-ids.json')).length).to.equal(1);
      rec.track({ type: 'view', itemId: 'sku-05' });
      const top = await rec.recommend({ k: 3 });
      // The ring fixture: after sku-05 comes sku-06, which only the model's own id order can tell.
      expect(top[0]!.itemId).to.equal('sku-06');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('the page starts the weights download early, and the worker takes it from the HTTP cache', async () => {
    await executeServerCommand('request-log');
    const dbName = uniqueDb('pre');
    const rec = await createRecommender({ model: '/models/beauty/model.json', dbName, consent: 'denied' });
    try {
      await rec.status();
      const weights = of(await log(), '/models/beauty/weights.bin');
      // The page's request and the worker's; only one of them may carry the body (the other is conditional).
      expect(weights).to.have.length(2);
      expect(weights.filter((r) => !r.headers['if-none-match']).length).to.be.at.most(1);
    } finally {
      await rec.close();
    }
  });

  it('without caching allowed (no-store) the page leaves the downloads to the worker', async () => {
    await executeServerCommand('request-log');
    const rec = await createRecommender({
      model: '/models/beauty/model.json?test-no-store=1',
      catalog: '/models/beauty/catalog.json',
      dbName: uniqueDb('pre'),
      consent: 'denied',
    });
    try {
      await rec.status();
      expect(await requested('/models/beauty/weights.bin')).to.have.length(1);
    } finally {
      await rec.close();
    }
  });

  it('a returning shopper with the model on the device downloads no weights at all', async () => {
    const dbName = uniqueDb('pre');
    const first = await createRecommender({ model: '/models/beauty/model.json', dbName });
    await first.status();
    await first.close();
    await executeServerCommand('request-log');
    const again = await createRecommender({ model: '/models/beauty/model.json', dbName });
    try {
      expect((await again.status()).startup?.modelSource).to.equal('cache');
      expect(await requested('/models/beauty/weights.bin')).to.have.length(0);
    } finally {
      await again.close();
      await deleteDb(dbName);
      await caches.delete(`pocketrank:${dbName}:model`);
    }
  });

  it('item ids that do not match model.json reject with model_load_failed naming the file', async () => {
    const error = await rejection(
      createRecommender({
        model: '/test/fixtures/generated/bad-ids/model.json',
        catalog: '/test/fixtures/generated/model/catalog.json',
        dbName: uniqueDb('ids'),
        consent: 'denied',
      }),
    );
    expect(error.code).to.equal('model_load_failed');
    expect(error.message).to.match(/bad-ids\/model\.json.*item-ids\.json does not match/);
  });
});
