import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import { createRecommender, defineSearchElement, type Recommender } from 'pocketrank';
import { deleteDb, rejection, uniqueDb } from './helpers.js';

const MODEL = '/models/beauty/model.json';

async function withShop(test: (rec: Recommender) => Promise<void>): Promise<void> {
  const dbName = uniqueDb('search');
  const rec = await createRecommender({ model: MODEL, dbName, backend: 'wasm' });
  try {
    await test(rec);
  } finally {
    await rec.close();
    await deleteDb(dbName);
  }
}

describe('search and rerank on the device', () => {
  it('finds products by title words with typos and a half-typed last word, and records the query', async () => {
    await withShop(async (rec) => {
      const crackle = await rec.search('crakle polish', { k: 5 });
      expect(crackle.map((h) => h.itemId)).to.include('B004ZT0SSG'); // Red shatter crackle nail polish e55
      const hit = crackle.find((h) => h.itemId === 'B004ZT0SSG')!;
      expect(hit.title).to.equal('Red shatter crackle nail polish e55');
      expect(hit.match.title).to.have.members(['crackle', 'polish']);
      expect(hit.reason).to.equal(undefined); // no history: nothing personal moved it

      const balm = await rec.search('beblesh ba', { k: 3 });
      expect(balm).to.have.length(3);
      for (const h of balm) expect(h.title!.toLowerCase()).to.match(/beblesh balm/);

      const shimmer = await rec.search('nail lacquer shimer', { k: 2, record: false });
      expect(shimmer.map((h) => h.itemId)).to.include('B004756YJA'); // Nail lacquer simmer and shimmer

      const stored = (await rec.storedData()).events.filter((e) => e.type === 'search');
      expect(stored.map((e) => e.query)).to.deep.equal(['crakle polish', 'beblesh ba']);
    });
  });

  it('orders the same query differently for two shoppers, by their own histories, and says why', async () => {
    const brands = ['china glaze', 'zoya'];
    const lists: { itemId: string; title?: string }[][] = [];
    const plain: string[][] = [];
    for (const brand of brands) {
      await withShop(async (rec) => {
        const liked = await rec.search(`${brand} polish`, { k: 6, record: false });
        expect(liked.length).to.be.greaterThan(3);
        const t0 = Date.now() - 3_600_000;
        liked.forEach((h, i) => rec.track({ type: 'view', itemId: h.itemId, timestamp: t0 + i * 1000 }));
        const hits = await rec.search('nail polish', { k: 30, record: false, explain: true });
        expect(hits).to.have.length(30);
        // Without explain the same hits say only that the history moved them.
        const quick = await rec.search('nail polish', { k: 30, record: false });
        expect(quick.map((h) => h.itemId)).to.deep.equal(hits.map((h) => h.itemId));
        for (const [i, h] of quick.entries()) expect(h.reason).to.deep.equal(hits[i]!.reason && { kind: 'history' });
        lists.push(hits);
        const unpersonal = await rec.search('nail polish', { k: 30, personalize: false, record: false });
        plain.push(unpersonal.map((h) => h.itemId));
        const moved = hits.filter((h) => h.reason);
        expect(moved.length).to.be.greaterThan(0);
        for (const h of moved) {
          expect(h.reason!.kind).to.equal('history');
          expect(liked.map((l) => l.itemId)).to.include(h.reason!.because!.itemId);
          expect(h.reason!.because!.title).to.be.a('string');
        }
      });
    }
    expect(plain[0]).to.deep.equal(plain[1]); // without the history, one order for everyone
    const ids = lists.map((list) => list.map((h) => h.itemId));
    expect(ids[0]).to.not.deep.equal(ids[1]);
    // Each shopper's results lean to the brand they browsed, more than the other shopper's do.
    const count = (list: { title?: string }[], brand: string) =>
      list.filter((h) => h.title!.toLowerCase().includes(brand)).length;
    expect(count(lists[0]!, brands[0]!)).to.be.greaterThan(count(lists[1]!, brands[0]!));
    expect(count(lists[1]!, brands[1]!)).to.be.greaterThan(count(lists[0]!, brands[1]!));
  });

  it('reranks a shop’s own result ids by the history, keeping every id, unknown ones last in order', async () => {
    await withShop(async (rec) => {
      const liked = await rec.search('zoya polish', { k: 5, record: false });
      liked.forEach((h) => rec.track({ type: 'view', itemId: h.itemId }));
      const shopResults = (await rec.search('nail polish', { k: 30, personalize: false, record: false })).map(
        (h) => h.itemId,
      );
      const given = ['unknown-sku-1', ...shopResults.slice(0, 15), 'unknown-sku-2', ...shopResults.slice(15)];
      const reranked = await rec.rerank(given, { query: 'nail polish' });
      expect(reranked.map((r) => r.itemId).sort()).to.deep.equal([...given].sort());
      expect(reranked.slice(-2).map((r) => r.itemId)).to.deep.equal(['unknown-sku-1', 'unknown-sku-2']);
      expect(reranked.slice(-2).map((r) => r.score)).to.deep.equal([null, null]);
      expect(reranked.slice(0, 30).map((r) => r.itemId)).to.not.deep.equal(shopResults);
      expect(reranked[0]!.title).to.be.a('string');
      const searches = (await rec.storedData()).events.filter((e) => e.type === 'search');
      expect(searches.map((e) => e.query)).to.deep.equal(['nail polish']);
      expect(await rec.rerank([])).to.deep.equal([]);
    });
  });

  it('finds a product added at run time', async () => {
    await withShop(async (rec) => {
      expect(await rec.search('aurorashine', { record: false })).to.deep.equal([]);
      await rec.upsertItems([{ id: 'new-sku', title: 'Aurorashine velvet matte lipstick', brand: 'Aurorashine' }]);
      const hits = await rec.search('aurorashine lipst', { record: false });
      expect(hits.map((h) => h.itemId)).to.deep.equal(['new-sku']);
      expect(hits[0]!.match.brand).to.deep.equal(['aurorashine']);
    });
  });

  it('rejects bad input with invalid_argument and stores nothing', async () => {
    await withShop(async (rec) => {
      const bad: [string, () => Promise<unknown>][] = [
        ['empty', () => rec.search('')],
        ['blank', () => rec.search('   ')],
        ['10 KB', () => rec.search('lipstick '.repeat(1200))],
        ['not a string', () => rec.search(42 as unknown as string)],
        ['k 0', () => rec.search('lipstick', { k: 0 })],
        ['k 101', () => rec.search('lipstick', { k: 101 })],
        ['k 1.5', () => rec.search('lipstick', { k: 1.5 })],
        ['personalize', () => rec.search('lipstick', { personalize: 'yes' as unknown as boolean })],
        ['filter', () => rec.search('lipstick', { filter: [] as unknown as Record<string, string> })],
        ['filter on no attribute', () => rec.search('lipstick', { filter: { color: 'red' } })],
        ['ids not an array', () => rec.rerank('B004ZT0SSG' as unknown as string[])],
        ['ids not strings', () => rec.rerank([1, 2] as unknown as string[])],
        ['too many ids', () => rec.rerank(Array.from({ length: 1001 }, (_, i) => `sku-${i}`))],
        ['bad rerank query', () => rec.rerank(['B004ZT0SSG'], { query: '' })],
      ];
      for (const [name, call] of bad) expect((await rejection(call())).code, name).to.equal('invalid_argument');
      await rec.flush();
      expect((await rec.storedData()).events, 'nothing stored').to.deep.equal([]);
    });
  });

  it('never sends a query or the history it is ranked against over the network', async () => {
    await executeServerCommand('request-log');
    const secret = 'zqxjvlux';
    await withShop(async (rec) => {
      rec.track({ type: 'view', itemId: 'B004ZT0SSG' });
      await rec.search(`${secret} lipstick`);
      await rec.search(`crackle ${secret}`, { k: 3 });
      await rec.rerank(['B004ZT0SSG', 'B004756YJA'], { query: `${secret} polish` });
      await rec.flush();
      const queries = (await rec.storedData()).events.filter((e) => e.type === 'search');
      expect(queries).to.have.length(3); // stored on the device
    });
    // The log works: a request made now is in it (the model and catalog may come from caches).
    await fetch(`/models/beauty/model.json?probe=${Date.now()}`);
    const requests = (await executeServerCommand('request-log')) as { method: string; url: string }[];
    expect(requests.some((r) => r.url.includes('probe='))).to.equal(true);
    for (const r of requests) {
      expect(r.method, r.url).to.equal('GET');
      const seen = decodeURIComponent(JSON.stringify(r));
      expect(seen).to.not.include(secret);
      expect(seen).to.not.include('B004ZT0SSG');
    }
  });

  it('<pocketrank-search> shows results as the shopper types, from its template, and records the settled query', async () => {
    await withShop(async (rec) => {
      defineSearchElement(rec, { tagName: 'test-search' });
      const box = document.createElement('test-search') as HTMLElement & { results: { itemId: string }[] };
      box.setAttribute('count', '4');
      box.innerHTML =
        '<template><a class="hit" href="#/p/{itemId}" title="{title}"><b data-pr-text="title"></b><i data-pr-text="reason"></i></a></template>';
      document.body.append(box);
      try {
        const input = box.querySelector('input')!;
        const rendered = () =>
          new Promise<{ query: string }>((resolve) =>
            box.addEventListener('pocketrank-results', (e) => resolve((e as CustomEvent).detail), { once: true }),
          );
        for (const typed of ['cra', 'crakle', 'crakle pol']) {
          const done = rendered();
          input.value = typed;
          input.dispatchEvent(new Event('input'));
          expect((await done).query).to.equal(typed);
        }
        const cards = [...box.querySelectorAll<HTMLAnchorElement>('a.hit')];
        expect(cards).to.have.length(2);
        expect(cards.map((c) => c.dataset.pocketrankItem)).to.include('B004ZT0SSG');
        const crackle = cards.find((c) => c.dataset.pocketrankItem === 'B004ZT0SSG')!;
        expect(crackle.getAttribute('href')).to.equal('#/p/B004ZT0SSG');
        expect(crackle.querySelector('b')!.textContent).to.equal('Red shatter crackle nail polish e55');
        expect(crackle.querySelector<HTMLElement>('i')!.hidden).to.equal(true); // no reason without history
        await rec.flush();
        expect((await rec.storedData()).events, 'typing records nothing').to.deep.equal([]);
        crackle.click();
        await rec.flush();
        const events = (await rec.storedData()).events.map((e) => ({ type: e.type, query: e.query, itemId: e.itemId }));
        expect(events).to.deep.equal([
          { type: 'search', query: 'crakle pol', itemId: undefined },
          { type: 'click', query: undefined, itemId: 'B004ZT0SSG' },
        ]);
        // Enter right after typing (before the typing pause ends) records exactly what was typed.
        const settled = rendered();
        input.value = 'beblesh bal';
        input.dispatchEvent(new Event('input'));
        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
        expect((await settled).query).to.equal('beblesh bal');
        await new Promise((r) => setTimeout(r, 150)); // the typing pause would have ended by now
        await rec.flush();
        const searches = (await rec.storedData()).events.filter((e) => e.type === 'search').map((e) => e.query);
        expect(searches).to.deep.equal(['crakle pol', 'beblesh bal']);
        const cleared = box.results;
        input.value = '';
        input.dispatchEvent(new Event('input'));
        await new Promise((r) => setTimeout(r, 200));
        expect(box.querySelectorAll('a.hit')).to.have.length(0);
        expect(cleared.length).to.be.greaterThan(0);
      } finally {
        box.remove();
      }
    });
  });
});
