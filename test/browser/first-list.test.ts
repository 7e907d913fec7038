import { expect } from 'chai';
import { createRecommender, defineRecsElement, type Recommender } from 'pocketrank';
import { deleteDb, uniqueDb } from './helpers.js';

/** The shipped model, its model.json held back 3 s: the weights are "still on their way". */
const SLOW_MODEL = '/models/beauty/model.json?test-delay=3000';
const FIRST_LIST = '/models/beauty/top.json';

interface Top {
  items: { id: string; title?: string }[];
}

describe('a first list before the model arrives', () => {
  it('answers trending and for-you from top.json at once, then the engine takes over with the same list', async () => {
    const top = (await (await fetch(FIRST_LIST)).json()) as Top;
    const dbName = uniqueDb('first-list');
    const t0 = performance.now();
    const rec = await createRecommender({ model: SLOW_MODEL, firstList: FIRST_LIST, dbName, backend: 'wasm' });
    try {
      expect(performance.now() - t0).to.be.below(2500); // did not wait for model.json
      expect(rec.stage).to.equal('first-list');
      const early = await rec.recommend({ k: 4 });
      expect(early.map((r) => r.itemId)).to.deep.equal(top.items.slice(0, 4).map((i) => i.id));
      expect(early[0]!.title).to.equal(top.items[0]!.title);
      expect(early.every((r) => r.reason.kind === 'trending')).to.equal(true);
      const skipping = await rec.recommend({ k: 2, scenario: 'trending', exclude: [top.items[0]!.id] });
      expect(skipping.map((r) => r.itemId)).to.deep.equal(top.items.slice(1, 3).map((i) => i.id));
      expect(rec.stage).to.equal('first-list');
      // Events tracked meanwhile are kept and stored once the engine is there.
      rec.track({ type: 'view', itemId: top.items[5]!.id });
      // What the list cannot answer waits for the engine.
      const similar = await rec.recommend({ k: 3, scenario: 'similar', item: top.items[0]!.id });
      expect(rec.stage).to.equal('ready');
      expect(similar).to.have.length(3);
      await rec.ready();
      // For a new shopper the engine's trending list is the first list: the switch moves nothing.
      const trending = await rec.recommend({ k: 4, scenario: 'trending' });
      expect(trending.map((r) => r.itemId)).to.deep.equal(early.map((r) => r.itemId));
      expect((await rec.storedData()).events.map((e) => e.itemId)).to.deep.equal([top.items[5]!.id]);
      expect((await rec.recommend({ k: 4 })).map((r) => r.reason.kind)).to.not.include('trending');
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('a widget shows first-list cards before the model, then refreshes into the engine’s list', async () => {
    const dbName = uniqueDb('first-widget');
    const recPromise = createRecommender({ model: SLOW_MODEL, firstList: FIRST_LIST, dbName, backend: 'wasm' });
    defineRecsElement(recPromise, { tagName: 'first-list-recs' });
    const widget = document.createElement('first-list-recs');
    widget.setAttribute('count', '4');
    widget.setAttribute('scenario', 'trending');
    document.body.append(widget);
    const rec = await recPromise;
    try {
      const cards = () => [...widget.querySelectorAll<HTMLElement>('[data-pocketrank-item]')];
      for (let i = 0; i < 100 && cards().length < 4; i++) await new Promise((r) => setTimeout(r, 20));
      expect(rec.stage).to.equal('first-list');
      expect(cards()).to.have.length(4);
      const before = cards().map((c) => c.dataset.pocketrankItem);
      const height = widget.getBoundingClientRect().height;
      const refreshed = new Promise((resolve) => widget.addEventListener('pocketrank-render', resolve, { once: true }));
      await rec.ready();
      await refreshed; // the engine is ready: widgets render again, from it
      expect(cards().map((c) => c.dataset.pocketrankItem)).to.deep.equal(before);
      expect(widget.getBoundingClientRect().height).to.equal(height); // no layout shift
    } finally {
      widget.remove();
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('without a usable first list it waits for the engine, as without the option', async () => {
    const dbName = uniqueDb('no-first-list');
    const rec: Recommender = await createRecommender({
      model: '/models/beauty/model.json',
      firstList: '/models/beauty/no-such-top.json',
      dbName,
      backend: 'wasm',
    });
    try {
      expect(rec.stage).to.equal('ready');
      expect(await rec.recommend({ k: 2 })).to.have.length(2);
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('a start that fails after the first list rejects ready() and the calls that need the engine', async () => {
    const rec = await createRecommender({
      model: '/test/fixtures/no-such-model.json?test-delay=1000',
      catalog: '/models/beauty/catalog.json',
      firstList: FIRST_LIST,
      dbName: uniqueDb('failed-start'),
    });
    expect(rec.stage).to.equal('first-list');
    expect(await rec.recommend({ k: 1 })).to.have.length(1);
    const failure = await rec.ready().then(
      () => undefined,
      (error: { code?: string }) => error,
    );
    expect(failure?.code).to.equal('model_load_failed');
    const later = await rec.status().then(
      () => undefined,
      (error: { code?: string }) => error,
    );
    expect(later?.code).to.equal('model_load_failed');
    // The first list is not served on after the failure: the widget's next refresh reports it.
    const after = await rec.recommend({ k: 1 }).then(
      () => undefined,
      (error: { code?: string }) => error,
    );
    expect(after?.code).to.equal('model_load_failed');
    await rec.close(); // resolves: there is no engine to close
  });
});
