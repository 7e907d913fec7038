import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import { createRecommender } from 'pocketrank';
import { FIXTURE_MODEL, deleteDb, rejection, uniqueDb } from './helpers.js';

type Logged = { method: string; url: string }[];
const requested = async (path: string) =>
  ((await executeServerCommand('request-log')) as Logged).filter((r) => r.url.split('?')[0]!.endsWith(path));

// model.json names its item ids by reference (models/sasrec/item-id-list.ts): the shipped catalog
// lists them first, so the ids are downloaded once, in the catalog.
describe('the model item ids are not downloaded twice', () => {
  it('the shipped Beauty model and catalog start without item-ids.json', async () => {
    await executeServerCommand('request-log');
    const dbName = uniqueDb('ids');
    const rec = await createRecommender({ model: '/models/beauty/model.json', dbName, consent: 'denied' });
    try {
      const status = await rec.status();
      expect(status.rankableItems).to.equal(12101);
      expect(await requested('/models/beauty/item-ids.json')).to.have.length(0);
      expect(await rec.recommend({ k: 3 })).to.have.length(3);
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
