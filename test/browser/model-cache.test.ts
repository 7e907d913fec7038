import { expect } from 'chai';
import { deleteDb, FIXTURE_MODEL, startFixture, uniqueDb } from './helpers.js';

const MODEL_URL = new URL(FIXTURE_MODEL, location.href).href;
const cacheName = (db: string) => `pocketrank:${db}:model`;
const weightKeys = async (db: string) =>
  (await (await caches.open(cacheName(db))).keys())
    .map((r) => new URL(r.url).searchParams.get('pocketrank-manifest'))
    .filter((k) => k !== null);

async function startAndRank(dbName: string, consent: 'granted' | 'denied' = 'granted') {
  const rec = await startFixture({ dbName, consent });
  try {
    rec.track({ type: 'view', itemId: 'sku-03' });
    const top = (await rec.recommend({ k: 5 })).map((r) => r.itemId);
    return { source: (await rec.status()).startup?.modelSource, top };
  } finally {
    await rec.close();
  }
}

describe('the model is kept on the device (Cache Storage, keyed by the manifest)', () => {
  it('a returning shopper starts from the cache with the same ranking; a changed manifest never meets old weights', async () => {
    const dbName = uniqueDb('model-cache');
    try {
      const first = await startAndRank(dbName);
      expect(first.source).to.equal('network');
      const second = await startAndRank(dbName);
      expect(second.source).to.equal('cache');
      expect(second.top).to.deep.equal(first.top);
      const cache = await caches.open(cacheName(dbName));
      const served = await (await fetch(MODEL_URL)).text();
      expect(await (await cache.match(MODEL_URL))!.text()).to.equal(served);
      const [key] = await weightKeys(dbName);
      expect(key).to.match(/^[0-9a-f]{16}$/);

      // A cached manifest that differs from the server's (as after a model release): its weights
      // are not in the cache under it, so they come from the network; the stale manifest is
      // replaced in the background (close() waits for it) and the other version's weights are pruned.
      await cache.put(
        MODEL_URL,
        new Response(JSON.stringify({ ...JSON.parse(served), pocketrankTestRelease: 2 }), {
          headers: { 'content-type': 'application/json' },
        }),
      );
      const third = await startAndRank(dbName);
      expect(third.source).to.equal('network');
      expect(third.top).to.deep.equal(first.top);
      // close() let the background revalidation finish before the worker stopped: no waiting here.
      expect(await (await cache.match(MODEL_URL))!.text()).to.equal(served);
      const keys = new Set(await weightKeys(dbName));
      expect(keys.size).to.equal(1);
      expect(keys.has(key!)).to.equal(false);
    } finally {
      await caches.delete(cacheName(dbName));
      await deleteDb(dbName);
    }
  });

  it('keeps nothing without consent, and forget() deletes the cached model', async () => {
    const denied = uniqueDb('model-cache-denied');
    expect((await startAndRank(denied, 'denied')).source).to.equal('network');
    expect(await caches.has(cacheName(denied))).to.equal(false);

    const dbName = uniqueDb('model-cache-forget');
    await startAndRank(dbName);
    expect(await caches.has(cacheName(dbName))).to.equal(true);
    const rec = await startFixture({ dbName });
    try {
      expect((await rec.status()).startup?.modelSource).to.equal('cache');
      await rec.forget();
      expect(await caches.has(cacheName(dbName))).to.equal(false);
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });
});
