import { expect } from 'chai';
import { createRecommender, isPocketrankError, PocketrankError } from 'pocketrank';
import { FIXTURE_MODEL, rejection, startFixture, uniqueDb } from './helpers.js';

const base = '/test/fixtures/generated';

describe('errors are typed and change nothing stored', () => {
  it('invalid events throw invalid_event synchronously and store nothing', async () => {
    const rec = await startFixture();
    try {
      const bad: unknown[] = [
        undefined,
        'view',
        { type: 'view' },
        { type: 'view', itemId: '' },
        { type: 'view', itemId: 42 },
        { type: 'like', itemId: 'sku-01' },
        { type: 'search' },
        { type: 'search', query: '   ' },
        { type: 'view', itemId: 'sku-01', timestamp: Number.NaN },
        { type: 'view', itemId: 'sku-01', timestamp: 1 },
        { type: 'view', itemId: 'sku-01', context: { nested: { deep: true } } },
        { type: 'view', itemId: 'x'.repeat(300) },
      ];
      for (const event of bad) {
        let thrown: unknown;
        try {
          rec.track(event as never);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, JSON.stringify(event)).to.be.instanceOf(PocketrankError);
        expect((thrown as PocketrankError).code).to.equal('invalid_event');
      }
      expect((await rec.status()).storedEvents).to.equal(0);
      rec.track({ type: 'search', query: 'lip balm' });
      rec.track({ type: 'view', itemId: 'sku-01', context: { page: 'pdp', price: 12.5, promo: null } });
      expect((await rec.status()).storedEvents).to.equal(2);
    } finally {
      await rec.close();
    }
  });

  it('a missing model rejects with model_load_failed naming the URL', async () => {
    const error = await rejection(createRecommender({ model: '/no/such/model.json', dbName: uniqueDb('e') }));
    expect(isPocketrankError(error)).to.equal(true);
    expect(error.code).to.equal('model_load_failed');
    expect(error.message).to.contain('/no/such/model.json');
  });

  it('truncated weights reject with model_load_failed naming the URL', async () => {
    const error = await rejection(
      createRecommender({
        model: `${base}/truncated/model.json`,
        catalog: `${base}/model/catalog.json`,
        dbName: uniqueDb('e'),
      }),
    );
    expect(error.code).to.equal('model_load_failed');
    expect(error.message).to.contain('/truncated/model.json');
  });

  it('a model with the wrong architecture rejects with model_load_failed', async () => {
    const error = await rejection(
      createRecommender({
        model: `${base}/wrong-shape/model.json`,
        catalog: `${base}/model/catalog.json`,
        dbName: uniqueDb('e'),
      }),
    );
    expect(error.code).to.equal('model_load_failed');
    expect(error.message).to.match(/wrong-shape\/model\.json.*SasrecEncoder/);
  });

  it('a missing catalog rejects with catalog_load_failed', async () => {
    const error = await rejection(
      createRecommender({ model: FIXTURE_MODEL, catalog: '/no/catalog.json', dbName: uniqueDb('e') }),
    );
    expect(error.code).to.equal('catalog_load_failed');
    expect(error.message).to.contain('/no/catalog.json');
  });

  it('an unreachable worker script rejects with worker_failed', async () => {
    const error = await rejection(
      createRecommender({ model: FIXTURE_MODEL, workerUrl: '/no/worker.js', dbName: uniqueDb('e') }),
    );
    expect(error.code).to.equal('worker_failed');
  });

  it('bad options and queries reject with invalid_argument', async () => {
    expect((await rejection(createRecommender({ model: FIXTURE_MODEL, backend: 'tpu' as never }))).code).to.equal(
      'invalid_argument',
    );
    expect((await rejection(createRecommender({ model: '' }))).code).to.equal('invalid_argument');
    const rec = await startFixture();
    try {
      for (const query of [
        { k: 0 },
        { k: 1.5 },
        { k: 5000 },
        { k: 3, exclude: 'sku-01' },
        { k: 3, filter: { category: [] } },
      ]) {
        expect((await rejection(rec.recommend(query as never))).code, JSON.stringify(query)).to.equal(
          'invalid_argument',
        );
      }
    } finally {
      await rec.close();
    }
    expect(() => rec.track({ type: 'view', itemId: 'sku-01' }))
      .to.throw(PocketrankError)
      .with.property('code', 'closed');
  });
});
