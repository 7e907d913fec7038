import { expect } from 'chai';
import { createRecommender, defineRecsElement, type Experiment } from 'pocketrank';
import { FIXTURE_MODEL, deleteDb, rejection, uniqueDb } from './helpers.js';

const BEAUTY = '/models/beauty/model.json';

const arms = (experiments: Record<string, { arm: string }>) =>
  Object.fromEntries(Object.entries(experiments).map(([id, e]) => [id, e.arm]));
const stored = (dbName: string) => localStorage.getItem(`pocketrank:${dbName}:experiments`);
const lift = (control: number, personal: number): Experiment[] => [
  {
    id: 'lift',
    arms: [
      { name: 'control', weight: control, scenario: 'trending' },
      { name: 'personal', weight: personal },
    ],
  },
];

describe('on-device experiments', () => {
  it('assigns a device one arm, keeps it across starts with consent, and shows it in status()', async () => {
    const dbName = uniqueDb('exp');
    const experiments = lift(1, 1);
    const first = await createRecommender({ model: FIXTURE_MODEL, dbName, experiments });
    const arm = (await first.status()).experiments.lift!.arm;
    expect(['control', 'personal']).to.include(arm);
    await first.close();
    expect(JSON.parse(stored(dbName)!)).to.deep.equal({ lift: arm });
    // Five more starts of the same device (the same database): never another arm.
    for (let i = 0; i < 5; i++) {
      const again = await createRecommender({ model: FIXTURE_MODEL, dbName, experiments });
      expect((await again.status()).experiments.lift!.arm).to.equal(arm);
      await again.close();
    }
    await deleteDb(dbName);
    localStorage.removeItem(`pocketrank:${dbName}:experiments`);
  });

  it('serves the arm: the control arm gets trending in place of its personal lists, the other arm personal ones', async () => {
    const control = await createRecommender({ model: FIXTURE_MODEL, dbName: uniqueDb('exp'), experiments: lift(1, 0) });
    const personal = await createRecommender({
      model: FIXTURE_MODEL,
      dbName: uniqueDb('exp'),
      experiments: lift(0, 1),
    });
    try {
      expect((await control.status()).experiments.lift!.arm).to.equal('control');
      expect((await personal.status()).experiments.lift!.arm).to.equal('personal');
      for (const rec of [control, personal]) rec.track({ type: 'view', itemId: 'sku-05' });
      const ids = async (rec: typeof control, scenario: 'for-you' | 'trending') =>
        (await rec.recommend({ k: 5, scenario })).map((r) => r.itemId);
      const trending = await ids(control, 'trending');
      expect(await ids(control, 'for-you')).to.deep.equal(trending);
      // The ring fixture: after sku-05 the model ranks sku-06 first, which trending does not.
      const forYou = await ids(personal, 'for-you');
      expect(forYou[0]).to.equal('sku-06');
      expect(forYou).to.not.deep.equal(trending);
      const reasons = (await control.recommend({ k: 3 })).map((r) => r.reason.kind);
      expect(new Set(reasons)).to.deep.equal(new Set(['trending']));
    } finally {
      await control.close();
      await personal.close();
    }
  });

  it('without consent keeps the arm for the page only; withdrawing consent or forgetting removes it', async () => {
    const dbName = uniqueDb('exp');
    const experiments = lift(1, 1);
    const rec = await createRecommender({ model: FIXTURE_MODEL, dbName, experiments, consent: 'denied' });
    try {
      expect((await rec.status()).experiments.lift!.arm).to.be.a('string');
      expect(stored(dbName)).to.equal(null);
      await rec.consent('granted');
      expect(JSON.parse(stored(dbName)!)).to.deep.equal(arms((await rec.status()).experiments));
      await rec.consent('denied');
      expect(stored(dbName)).to.equal(null);
      await rec.consent('granted');
      await rec.forget();
      // Forgotten: drawn again as a new device, and stored again since consent stands.
      expect(JSON.parse(stored(dbName)!)).to.deep.equal(arms((await rec.status()).experiments));
    } finally {
      await rec.close();
      await deleteDb(dbName);
      localStorage.removeItem(`pocketrank:${dbName}:experiments`);
    }
  });

  it('refuses malformed experiments and unknown experiment names with invalid_argument, storing nothing', async () => {
    const dbName = uniqueDb('exp');
    const error = await rejection(
      createRecommender({
        model: FIXTURE_MODEL,
        dbName,
        experiments: [{ id: 'lift', arms: [{ name: 'only' }] }] as Experiment[],
      }),
    );
    expect(error.code).to.equal('invalid_argument');
    expect(error.message).to.match(/needs from 2 to 16 arms/);
    expect(stored(dbName)).to.equal(null);
    expect((await indexedDB.databases()).map((d) => d.name)).to.not.include(dbName);
    const rec = await createRecommender({ model: FIXTURE_MODEL, dbName, experiments: lift(1, 1), consent: 'denied' });
    try {
      const unknown = await rejection(rec.recommend({ k: 3, experiment: 'nope' }));
      expect(unknown.code).to.equal('invalid_argument');
      expect(unknown.message).to.match(/no experiment "nope"/);
    } finally {
      await rec.close();
    }
  });

  it('tags what its lists show with the experiment, and counts the day from the device event log', async () => {
    const dbName = uniqueDb('exp');
    const rec = await createRecommender({ model: FIXTURE_MODEL, dbName, experiments: lift(0, 1) });
    defineRecsElement(rec, { tagName: 'experiment-recs' });
    const widget = document.createElement('experiment-recs');
    widget.setAttribute('count', '3');
    try {
      rec.track({ type: 'view', itemId: 'sku-05' });
      // Stored before the row connects: otherwise its refresh on that change may show another list.
      await rec.flush();
      const rendered = new Promise<CustomEvent>((resolve) =>
        widget.addEventListener('pocketrank-render', (e) => resolve(e as CustomEvent), { once: true }),
      );
      document.body.append(widget);
      const shown = (await rendered).detail.results as { itemId: string; experiment?: string }[];
      expect(shown.map((r) => r.experiment)).to.deep.equal(['lift', 'lift', 'lift']);
      // The widget's impressions (half visible) carry the experiment; a purchase of a shown item is attributed.
      for (let i = 0; i < 50 && (await rec.status()).experiments.lift!.counts.impressions < 3; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      rec.track({ type: 'purchase', itemId: shown[0]!.itemId });
      rec.track({ type: 'purchase', itemId: 'sku-40' });
      await rec.flush();
      const status = (await rec.status()).experiments.lift!;
      expect(status.arm).to.equal('personal');
      expect(status.period).to.equal(Math.floor(Date.now() / 86_400_000));
      expect(status.counts).to.deep.equal({ impressions: 3, clicks: 0, addToCarts: 0, purchases: 1, allPurchases: 2 });
      const impressions = (await rec.storedData()).events.filter((e) => e.type === 'impression');
      expect(impressions.map((e) => e.context?.experiment)).to.deep.equal(['lift', 'lift', 'lift']);
    } finally {
      widget.remove();
      await rec.close();
      await deleteDb(dbName);
      localStorage.removeItem(`pocketrank:${dbName}:experiments`);
    }
  });

  it('records one impression per item a widget shows, however often it refreshes the same list', async () => {
    const dbName = uniqueDb('exp');
    const rec = await createRecommender({ model: FIXTURE_MODEL, dbName, experiments: lift(0, 1) });
    defineRecsElement(rec, { tagName: 'experiment-recs-again' });
    // The element's own members (results, refresh()); the package exports no class type for it.
    const widget = document.createElement('experiment-recs-again') as HTMLElement & {
      results: { itemId: string }[];
      refresh(): Promise<void>;
    };
    widget.setAttribute('count', '3');
    const impressions = async () => (await rec.storedData()).events.filter((e) => e.type === 'impression');
    try {
      const rendered = new Promise((resolve) => widget.addEventListener('pocketrank-render', resolve, { once: true }));
      document.body.append(widget);
      await rendered;
      for (let i = 0; i < 50 && (await rec.status()).experiments.lift!.counts.impressions < 3; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const first = widget.results.map((r) => r.itemId);
      // A history change (another tab, a tracked event) re-renders the row: the same list, new cards.
      await widget.refresh();
      expect(widget.results.map((r) => r.itemId)).to.deep.equal(first);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await rec.flush();
      expect((await impressions()).map((e) => e.itemId)).to.have.members(first);
    } finally {
      widget.remove();
      await rec.close();
      await deleteDb(dbName);
      localStorage.removeItem(`pocketrank:${dbName}:experiments`);
    }
  });

  it("re-ranks the shop's own list in a rerank() experiment's personal arm and keeps the shop's order in its control arm", async () => {
    // The Beauty model: its metadata blends the shopper's scores into rerank() (the fixture's does not).
    const start = (weights: [number, number]) =>
      createRecommender({ model: BEAUTY, dbName: uniqueDb('exp'), backend: 'wasm', experiments: lift(...weights) });
    const [control, personal] = await Promise.all([start([1, 0]), start([0, 1])]);
    try {
      const liked = await personal.search('zoya polish', { k: 5, record: false });
      for (const rec of [control, personal]) liked.forEach((h) => rec.track({ type: 'view', itemId: h.itemId }));
      const shopList = (await personal.search('nail polish', { k: 30, personalize: false, record: false })).map(
        (h) => h.itemId,
      );
      const kept = await control.rerank(shopList, { experiment: 'lift' });
      expect(kept.map((r) => r.itemId)).to.deep.equal(shopList);
      expect(kept.every((r) => r.experiment === 'lift' && r.reason === undefined)).to.equal(true);
      const moved = await personal.rerank(shopList, { experiment: 'lift' });
      expect(moved.map((r) => r.itemId)).to.not.deep.equal(shopList);
      expect(moved.every((r) => r.experiment === 'lift')).to.equal(true);
      // Without a name the list is the shop's own, outside any experiment: re-ranked on every device.
      const plain = await control.rerank(shopList);
      expect(plain.map((r) => r.itemId)).to.deep.equal(moved.map((r) => r.itemId));
      expect(plain.some((r) => 'experiment' in r)).to.equal(false);
      expect((await rejection(control.rerank(shopList, { experiment: 'nope' }))).code).to.equal('invalid_argument');
    } finally {
      await control.close();
      await personal.close();
    }
  });
});
