// Runs inside the bench page; bench/run.ts calls these through page.evaluate.
import { createRecommender, type BackendName, type Recommender } from '/dist/pocketrank.js';
import { loadNaive, rankNaive } from '/bench/dist/naive.js';

const MODEL = '/models/beauty/model.json';
const HISTORY_LENGTH = 50;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

let ranked: Promise<string[]> | undefined;
/** The catalog's ids by popularity, fetched and parsed once per page. */
function catalogIds(): Promise<string[]> {
  ranked ??= fetch('/models/beauty/catalog.json')
    .then((r) => r.json() as Promise<{ items: { id: string; popularity: number }[] }>)
    .then((catalog) => catalog.items.sort((a, b) => b.popularity - a.popularity).map((i) => i.id));
  return ranked;
}

let titled: Promise<string[]> | undefined;
/** The catalog's titles, fetched once per page. */
function catalogTitles(): Promise<string[]> {
  titled ??= fetch('/models/beauty/catalog.json')
    .then((r) => r.json() as Promise<{ items: { title?: string }[] }>)
    .then((catalog) => catalog.items.flatMap((i) => (i.title ? [i.title] : [])));
  return titled;
}

async function withHistory(
  backend: BackendName | 'auto',
  dbName: string,
): Promise<{ rec: Recommender; history: string[] }> {
  const ids = await catalogIds();
  const rec = await createRecommender({ model: MODEL, backend, dbName });
  const history = ids.slice(100, 100 + HISTORY_LENGTH);
  const t0 = Date.now() - 3_600_000;
  history.forEach((itemId, i) => rec.track({ type: 'view', itemId, timestamp: t0 + i }));
  await rec.flush();
  return { rec, history };
}

const db = (name: string) => `bench-${name}-${crypto.getRandomValues(new Uint32Array(1))[0]}`;

const bench = {
  /** recommend() round trips from the main thread, k = 10, 50 history events. */
  async recommend(backend: BackendName, calls: number) {
    const { rec } = await withHistory(backend, db('rec'));
    const status = await rec.status();
    for (let i = 0; i < 20; i++) await rec.recommend({ k: 10 });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await rec.recommend({ k: 10 });
      times.push(performance.now() - t);
    }
    await rec.close();
    return { backend: status.backend, p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
  },

  /** recommend() right after a new event: the history changed, so the encoder runs again (includes the IndexedDB write). */
  async recommendAfterTrack(backend: BackendName, calls: number) {
    const { rec, history } = await withHistory(backend, db('fresh'));
    const times: number[] = [];
    for (let i = 0; i < calls + 20; i++) {
      const t = performance.now();
      rec.track({ type: 'view', itemId: history[i % history.length]! });
      await rec.recommend({ k: 10 });
      if (i >= 20) times.push(performance.now() - t);
    }
    await rec.close();
    return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
  },

  /** The naive baseline: same model and history, tfjs on the main thread, full sort in JavaScript. */
  async naive(calls: number) {
    const history = (await catalogIds()).slice(100, 100 + HISTORY_LENGTH);
    await loadNaive(MODEL, '/dist/');
    for (let i = 0; i < 5; i++) rankNaive(history, 10);
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      rankNaive(history, 10);
      times.push(performance.now() - t);
    }
    return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
  },

  /** Main-thread cost of track(): chunks of 100 calls, per-call time of each chunk. */
  async track(events: number) {
    const rec = await createRecommender({ model: MODEL, backend: 'wasm', dbName: db('track'), flushIntervalMs: 1000 });
    const ids = await catalogIds();
    const perCall: number[] = [];
    for (let c = 0; c < events / 100; c++) {
      const t = performance.now();
      for (let i = 0; i < 100; i++) rec.track({ type: 'view', itemId: ids[(c * 100 + i) % ids.length]! });
      perCall.push(((performance.now() - t) / 100) * 1000);
    }
    await rec.close();
    return { p50_us: quantile(perCall, 0.5), p95_us: quantile(perCall, 0.95) };
  },

  /**
   * Main-thread cost of the page-hide path: `pending` events not yet stored, written to the
   * journal synchronously as the page goes away (the pagehide listener, dispatched as the browser does).
   */
  async pageHide(pending: number) {
    const rec = await createRecommender({ model: MODEL, backend: 'wasm', dbName: db('hide'), flushIntervalMs: 60_000 });
    const ids = await catalogIds();
    for (let i = 0; i < pending; i++)
      rec.track({ type: 'view', itemId: ids[i % ids.length]!, context: { widget: 'for-you', position: i % 8 } });
    const perHide: number[] = [];
    for (let r = 0; r < 50; r++) {
      const t = performance.now();
      window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
      perHide.push(performance.now() - t);
    }
    const journalChars = Object.entries(localStorage)
      .filter(([key]) => key.includes(':journal:'))
      .reduce((n, [, value]) => n + value.length, 0);
    await rec.close();
    return { p50_ms: quantile(perHide, 0.5), p95_ms: quantile(perHide, 0.95), journal_chars: journalChars };
  },

  /** Events per second into IndexedDB: the SDK's batches against one transaction per event. */
  async idb(events: number) {
    const rec = await createRecommender({ model: MODEL, backend: 'wasm', dbName: db('idb'), flushIntervalMs: 60_000 });
    const ids = await catalogIds();
    let t = performance.now();
    for (let i = 0; i < events; i++) rec.track({ type: 'view', itemId: ids[i % ids.length]! });
    await rec.flush();
    const batchedMs = performance.now() - t;
    await rec.close();
    // The naive store: same schema and durability, one transaction per event, written as each event arrives.
    const open = indexedDB.open(db('naive'), 1);
    open.onupgradeneeded = () => {
      const store = open.result.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
      store.createIndex('by-time', 'timestamp');
      store.createIndex('by-item', 'itemId');
      store.createIndex('by-type', 'type');
    };
    const raw = await new Promise<IDBDatabase>((resolve) => (open.onsuccess = () => resolve(open.result)));
    t = performance.now();
    for (let i = 0; i < events; i++) {
      const tx = raw.transaction('events', 'readwrite', { durability: 'relaxed' });
      tx.objectStore('events').add({ type: 'view', itemId: ids[i % ids.length], timestamp: Date.now() });
      await new Promise((resolve) => (tx.oncomplete = resolve));
    }
    const naiveMs = performance.now() - t;
    raw.close();
    return { batched_eps: events / (batchedMs / 1000), naive_eps: events / (naiveMs / 1000) };
  },

  /** Long tasks (> 50 ms) on the main thread during a session of tracking, recommending and on-device training. */
  async session(steps: number) {
    const long: { start: number; duration: number }[] = [];
    const observer = new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => long.push({ start: e.startTime, duration: e.duration })),
    );
    observer.observe({ type: 'longtask', buffered: false });
    // The harness's own catalog download and parse is not the SDK's work: it happens before the session starts.
    const ids = await catalogIds();
    const started = performance.now();
    const { rec } = await withHistory('wasm', db('session'));
    const ready = performance.now();
    const training = rec.personalize({ steps: 10 });
    for (let i = 0; i < steps; i++) {
      rec.track({ type: 'view', itemId: ids[i % 500]! });
      await rec.recommend({ k: 10 });
      await new Promise((r) => setTimeout(r, 5));
    }
    await training;
    await rec.close();
    observer.disconnect();
    const during = long.filter((t) => t.start >= started);
    const phase = (t: { start: number }) => (t.start < ready ? 'start-up' : 'session');
    return {
      long_tasks: during.length,
      longest_ms: Math.max(0, ...during.map((t) => t.duration)),
      where: during.map((t) => `${phase(t)} ${t.duration.toFixed(0)} ms`).join(', '),
    };
  },

  /** On-device fine-tuning speed: optimizer steps per second over a 50-event history. */
  async personalize(backend: BackendName, steps: number) {
    const { rec } = await withHistory(backend, db('train'));
    await rec.personalize({ steps: 2 });
    const result = await rec.personalize({ steps });
    await rec.close();
    return {
      steps_per_s: steps / (result.durationMs / 1000),
      positions_per_s: (steps * (HISTORY_LENGTH - 1)) / (result.durationMs / 1000),
    };
  },

  /**
   * search(): the first query right after start-up (it may wait for the index build), then p50 /
   * p95 of 1-3 word queries made from catalog titles; rerank() of 50 result ids.
   */
  async search(calls: number) {
    const titles = await catalogTitles();
    const queries = Array.from({ length: calls }, (_, i) => {
      const words = titles[(i * 7919) % titles.length]!.toLowerCase().match(/\p{L}{2,}/gu) ?? ['polish'];
      const from = i % words.length;
      return words.slice(from, from + 1 + (i % 3)).join(' ');
    });
    const { rec } = await withHistory('wasm', db('search'));
    let t = performance.now();
    await rec.search(queries[0]!, { record: false });
    const firstMs = performance.now() - t;
    const { searchIndex } = await rec.status();
    for (let i = 0; i < 20; i++) await rec.search(queries[i]!, { record: false });
    const times: number[] = [];
    for (const query of queries) {
      t = performance.now();
      await rec.search(query, { record: false });
      times.push(performance.now() - t);
    }
    const ids = (await rec.search('nail polish', { k: 50, personalize: false, record: false })).map((h) => h.itemId);
    const rerank: number[] = [];
    for (let i = 0; i < 120; i++) {
      t = performance.now();
      await rec.rerank(ids);
      if (i >= 20) rerank.push(performance.now() - t);
    }
    await rec.close();
    return {
      first_ms: firstMs,
      build_ms: searchIndex?.buildMs ?? -1,
      items: searchIndex?.items ?? -1,
      p50: quantile(times, 0.5),
      p95: quantile(times, 0.95),
      rerank_p50: quantile(rerank, 0.5),
      rerank_p95: quantile(rerank, 0.95),
    };
  },

  /** Time from createRecommender() to the first recommendation (a returning shopper reuses `dbName`). */
  async start(dbName: string) {
    const t = performance.now();
    const rec = await createRecommender({ model: MODEL, dbName });
    await rec.recommend({ k: 10 });
    const ms = performance.now() - t;
    const { startup } = await rec.status();
    await rec.close();
    return { ms, ...startup };
  },

  /** Time from createRecommender() with the first list to the first recommendation (served from it). */
  async firstCard(dbName: string) {
    const t = performance.now();
    const rec = await createRecommender({ model: MODEL, dbName, firstList: '/models/beauty/top.json' });
    await rec.recommend({ k: 10 });
    const ms = performance.now() - t;
    await rec.ready();
    await rec.close();
    return { ms };
  },

  /** Live tensors and their bytes before and after `runs` on-device training runs. */
  async memoryTraining(runs: number) {
    const { rec } = await withHistory('wasm', db('memtrain'));
    await rec.personalize({ steps: 2 });
    const before = await rec.status();
    for (let i = 0; i < runs; i++) await rec.personalize({ steps: 5 });
    const after = await rec.status();
    await rec.close();
    return {
      tensors_growth: after.tensors - before.tensors,
      tensor_bytes_growth: after.tensorBytes - before.tensorBytes,
    };
  },

  /** One federated round with three browser clients (own workers and databases) against a real server. */
  async federatedRound(server: string) {
    const ids = await catalogIds();
    const clients = await Promise.all(
      [0, 1, 2].map(async (c) => {
        const rec = await createRecommender({
          model: MODEL,
          backend: 'wasm',
          dbName: db(`fed${c}`),
          federation: { server, minNewEvents: 1 },
        });
        ids
          .slice(200 + c * 20, 220 + c * 20)
          .forEach((itemId, i) => rec.track({ type: 'view', itemId, timestamp: Date.now() - 60_000 + i }));
        await rec.flush();
        return rec;
      }),
    );
    const times = await Promise.all(
      clients.map(async (rec) => {
        const t = performance.now();
        const result = await rec.contribute();
        if (result.phase !== 'done') throw new Error(`round ended in ${result.phase}: ${result.reason ?? ''}`);
        return { ms: performance.now() - t, bytes: result.uploadedBytes ?? 0 };
      }),
    );
    // Local training alone, for scale: the same 10 steps contribute() runs.
    const train = await clients[0]!.personalize({ steps: 10 });
    await Promise.all(clients.map((c) => c.close()));
    return {
      client_ms: quantile(
        times.map((t) => t.ms),
        0.5,
      ),
      uploaded_bytes: times[0]!.bytes,
      train_ms: train.durationMs,
    };
  },

  /** Live tensors and tensor bytes before and after 1,000 recommendations. */
  /** Starts a recommender with a history and keeps it open for worker-heap readings between steps. */
  async heapOpen() {
    const { rec } = await withHistory('wasm', db('heap'));
    await rec.recommend({ k: 10 });
    await rec.personalize({ steps: 2 });
    (window as unknown as { heapRec: Recommender }).heapRec = rec;
    return { tensors: (await rec.status()).tensors };
  },

  /** `calls` recommendations, or `trainings` personalize() runs, on the open recommender. */
  async heapStep(calls: number, trainings: number) {
    const rec = (window as unknown as { heapRec: Recommender }).heapRec;
    for (let i = 0; i < calls; i++) await rec.recommend({ k: 10 });
    for (let i = 0; i < trainings; i++) await rec.personalize({ steps: 5 });
    return { tensors: (await rec.status()).tensors };
  },

  async heapClose() {
    await (window as unknown as { heapRec: Recommender }).heapRec.close();
    return {};
  },

  async memory(calls: number) {
    const { rec } = await withHistory('wasm', db('mem'));
    await rec.recommend({ k: 10 });
    const before = (await rec.status()).tensors;
    for (let i = 0; i < calls; i++) await rec.recommend({ k: 10 });
    const after = (await rec.status()).tensors;
    await rec.close();
    return { tensors_before: before, tensors_after: after };
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
document.title = 'bench ready';
