/**
 * npm run bench: measures pocketrank against its baselines side by side in one headless
 * Chromium run, repeated, and reports medians with spread. Writes bench/results/latest.json
 * and BENCHMARKS.md. Absolute times are machine-specific; the ratios are the point.
 */
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { brotliCompressSync } from 'node:zlib';
import { chromium } from 'playwright';
import { call, markdownTable, median, openBench, REPEATS, repeated, spread, type Row } from './bench-harness.js';
import { measureCustomTfjs } from './custom-tfjs/measure.js';
import { benchAnalyticsRound, benchServerRound, startServerChild } from './server-round-bench.js';
import { workerHeapBytes } from './worker-heap.js';
import { serveRepo } from './static-server.js';
import { measureSearchIndex } from './search-index-memory.js';
import { measureFirstVisit } from './first-visit/first-visit.js';

const BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'] as const;
const LOADER_LIMIT = 5 * 1024;
// BENCH_ONLY=idb,start,... runs only those sections (for iterating); a partial run never overwrites latest.json.
const ONLY = process.env.BENCH_ONLY?.split(',');
const want = (section: string) => !ONLY || ONLY.includes(section);

const { url, server } = await serveRepo(process.cwd());
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--enable-unsafe-webgpu',
    '--use-webgpu-adapter=swiftshader',
  ],
});
const rows: Row[] = [];
// Other work on the machine inflates absolute times (ratios much less): the load is recorded with the results.
const latest: Record<string, unknown> = {
  date: new Date().toISOString(),
  repeats: REPEATS,
  load_average_at_start: loadavg()[0],
};
try {
  if (want('recommend')) {
    process.stderr.write('naive baseline');
    const naive = await repeated<{ p50: number; p95: number }>(browser, url, 'naive', 200);
    const naiveP50 = median(naive.map((n) => n.p50));
    latest.naive_p50_ms = naiveP50;
    latest.naive_p95_ms = median(naive.map((n) => n.p95));
    const recommendP50: Record<string, number> = {};
    const recommendP95: Record<string, number> = {};
    for (const backend of BACKENDS) {
      process.stderr.write(`\nrecommend ${backend}`);
      let runs: { backend: string; p50: number; p95: number }[];
      try {
        runs = await repeated(browser, url, 'recommend', backend, 300);
      } catch (error) {
        rows.push({
          metric: `recommend() p50, ${backend}`,
          value: 'did not start',
          baseline: '',
          ratio: '',
          target: '',
        });
        continue;
      }
      const p50s = runs.map((r) => r.p50);
      recommendP50[backend] = median(p50s);
      recommendP95[backend] = median(runs.map((r) => r.p95));
      const ratio = naiveP50 / recommendP50[backend]!;
      rows.push({
        metric: `recommend() p50 / p95, ${backend}${backend === 'webgpu' ? ' (SwiftShader)' : ''}`,
        value: `${recommendP50[backend]!.toFixed(2)} / ${recommendP95[backend]!.toFixed(2)} ms (${spread(p50s)})`,
        baseline: `naive main thread ${naiveP50.toFixed(2)} ms`,
        ratio: `${ratio.toFixed(1)}x faster`,
        target: backend === 'wasm' ? '≤ 3 ms, ≥ 10x' : '',
        ...(backend === 'wasm' && { pass: recommendP50[backend]! <= 3 && ratio >= 10 }),
      });
    }
    process.stderr.write('\nrecommend after track, wasm');
    const fresh = await repeated<{ p50: number; p95: number }>(browser, url, 'recommendAfterTrack', 'wasm', 200);
    latest.recommend_after_track_p50_ms = median(fresh.map((f) => f.p50));
    rows.push({
      metric: 'track() + recommend(), wasm (encoder reruns)',
      value:
        `${(latest.recommend_after_track_p50_ms as number).toFixed(2)} / ` +
        `${median(fresh.map((f) => f.p95)).toFixed(2)} ms (${spread(fresh.map((f) => f.p50))})`,
      baseline: `naive main thread ${naiveP50.toFixed(2)} ms`,
      ratio: `${(naiveP50 / (latest.recommend_after_track_p50_ms as number)).toFixed(1)}x faster`,
      target: '',
    });
    latest.recommend_p50_ms = recommendP50;
    latest.recommend_p95_ms = recommendP95;
  }
  if (want('track')) {
    process.stderr.write('\ntrack');
    const track = await repeated<{ p50_us: number }>(browser, url, 'track', 5000);
    latest.track_p50_us = median(track.map((t) => t.p50_us));
    rows.push({
      metric: 'track() main-thread cost, p50',
      value: `${(latest.track_p50_us as number).toFixed(1)} µs (${spread(track.map((t) => t.p50_us))})`,
      baseline: '',
      ratio: '',
      target: '≤ 20 µs',
      pass: (latest.track_p50_us as number) <= 20,
    });
  }
  if (want('pagehide')) {
    process.stderr.write('\npage hide');
    for (const pending of [100, 1000]) {
      const hide = await repeated<{ p50_ms: number; p95_ms: number; journal_chars: number }>(
        browser,
        url,
        'pageHide',
        pending,
      );
      const p50 = median(hide.map((h) => h.p50_ms));
      latest[`page_hide_${pending}_p50_ms`] = p50;
      latest[`page_hide_${pending}_p95_ms`] = median(hide.map((h) => h.p95_ms));
      rows.push({
        metric: `page-hide journal write, ${pending} pending events, main thread p50 / p95`,
        value:
          `${p50.toFixed(2)} / ${(latest[`page_hide_${pending}_p95_ms`] as number).toFixed(2)} ms ` +
          `(${spread(hide.map((h) => h.p50_ms))}; ${Math.round(hide[0]!.journal_chars / 1024)} KiB)`,
        baseline: '',
        ratio: '',
        target: pending === 100 ? '< 5 ms' : '',
        ...(pending === 100 && { pass: p50 < 5 }),
      });
    }
  }
  if (want('search')) {
    process.stderr.write('\nsearch');
    const runs = await repeated<{
      first_ms: number;
      build_ms: number;
      items: number;
      p50: number;
      p95: number;
      rerank_p50: number;
      rerank_p95: number;
    }>(browser, url, 'search', 300);
    const m = (key: keyof (typeof runs)[0]) => median(runs.map((r) => r[key]));
    latest.search_p50_ms = m('p50');
    latest.search_p95_ms = m('p95');
    latest.search_index_build_ms = m('build_ms');
    latest.search_first_ms = m('first_ms');
    latest.rerank_50_p50_ms = m('rerank_p50');
    const index = await measureSearchIndex();
    latest.search_index_heap_bytes = index.heapBytes;
    rows.push(
      {
        metric: `search() p50 / p95, 1-3 word queries over ${runs[0]!.items} items, wasm`,
        value: `${m('p50').toFixed(2)} / ${m('p95').toFixed(2)} ms (${spread(runs.map((r) => r.p50))})`,
        baseline: '',
        ratio: '',
        target: '≤ 10 ms p50',
        pass: m('p50') <= 10,
      },
      {
        metric: 'search index build in the worker (in the background after start-up) / first search after start',
        value: `${m('build_ms').toFixed(0)} ms / ${m('first_ms').toFixed(0)} ms (${spread(runs.map((r) => r.build_ms))})`,
        baseline: '',
        ratio: '',
        target: '',
      },
      {
        metric: 'search index memory (V8 heap, measured in Node on the same catalog)',
        value: `${(index.heapBytes / 1e6).toFixed(1)} MB`,
        baseline: '',
        ratio: '',
        target: '',
      },
      {
        metric: 'rerank() of 50 ids p50 / p95, wasm',
        value: `${m('rerank_p50').toFixed(2)} / ${m('rerank_p95').toFixed(2)} ms (${spread(runs.map((r) => r.rerank_p50))})`,
        baseline: '',
        ratio: '',
        target: '',
      },
    );
  }
  if (want('idb')) {
    process.stderr.write('\nidb');
    const idb = await repeated<{ batched_eps: number; naive_eps: number }>(browser, url, 'idb', 2000);
    const idbRatio = median(idb.map((i) => i.batched_eps / i.naive_eps));
    latest.idb_batched_eps = median(idb.map((i) => i.batched_eps));
    latest.idb_naive_eps = median(idb.map((i) => i.naive_eps));
    latest.idb_batched_over_naive = idbRatio;
    rows.push({
      metric: 'IndexedDB ingest',
      value: `${Math.round(latest.idb_batched_eps as number)} events/s`,
      baseline: `1 awaited tx per event ${Math.round(latest.idb_naive_eps as number)} events/s`,
      ratio: `${idbRatio.toFixed(1)}x`,
      target: '≥ 10x',
      pass: idbRatio >= 10,
    });
  }
  if (want('session')) {
    process.stderr.write('\nsession');
    const session = await repeated<{ long_tasks: number; longest_ms: number; where: string }>(
      browser,
      url,
      'session',
      200,
    );
    latest.long_tasks = Math.max(...session.map((s) => s.long_tasks));
    latest.long_task_phases = session.map((s) => s.where);
    process.stderr.write(` [${session.map((s) => s.where || 'none').join(' | ')}]`);
    rows.push({
      metric: 'long tasks (> 50 ms) on the main thread: SDK start-up, 200 × track + recommend, on-device training',
      value: String(latest.long_tasks),
      baseline: '',
      ratio: '',
      target: 'none',
      pass: latest.long_tasks === 0,
    });
  }
  if (want('start')) {
    process.stderr.write('\nstart-up');
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      // Warm = a returning shopper: same browser profile, model in the HTTP cache, database already there.
      const dbName = `bench-start-${r}-${Date.now()}`;
      for (const bucket of [cold, warm]) {
        await page.goto(`${url}/bench/pages/bench.html`);
        await page.waitForFunction(() => document.title === 'bench ready');
        const phases = await call<{
          ms: number;
          backendMs: number;
          modelMs: number;
          catalogMs: number;
          storageMs: number;
          totalMs: number;
        }>(page, 'start', dbName);
        bucket.push(phases.ms);
        if (bucket === warm)
          process.stderr.write(
            ` [worker: backend ${phases.backendMs} model ${phases.modelMs} catalog ${phases.catalogMs} storage ${phases.storageMs} total ${phases.totalMs} ms]`,
          );
      }
      await context.close();
      process.stderr.write('.');
    }
    latest.cold_start_ms = median(cold);
    latest.warm_start_ms = median(warm);
    rows.push({
      metric: 'cold start to first recommendation',
      value: `${median(cold).toFixed(0)} ms (${spread(cold)})`,
      baseline: '',
      ratio: '',
      target: '≤ 1500 ms',
      pass: median(cold) <= 1500,
    });
    // The first card with the first list (top.json): a fresh profile each time, nothing cached.
    const first: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${url}/bench/pages/bench.html`);
      await page.waitForFunction(() => document.title === 'bench ready');
      first.push((await call<{ ms: number }>(page, 'firstCard', `bench-first-${r}-${Date.now()}`)).ms);
      await context.close();
    }
    latest.cold_first_card_first_list_ms = median(first);
    rows.push({
      metric: 'cold start to first card with the first list (top.json; the model arrives after)',
      value: `${median(first).toFixed(0)} ms (${spread(first)})`,
      baseline: `without it ${median(cold).toFixed(0)} ms`,
      ratio: `${(median(cold) / median(first)).toFixed(1)}x`,
      target: '',
    });
    rows.push({
      metric: 'warm start (returning shopper: model from Cache Storage, database there)',
      value: `${median(warm).toFixed(0)} ms (${spread(warm)})`,
      baseline: `cold ${median(cold).toFixed(0)} ms`,
      ratio: `${(median(cold) / median(warm)).toFixed(1)}x`,
      target: '≤ 300 ms',
      pass: median(warm) <= 300,
    });
  }
  if (want('first-visit')) {
    // A shop's product page over emulated 4G, served as the README says (bench/first-visit/).
    const firstVisit = await measureFirstVisit(browser, process.cwd());
    rows.push(...firstVisit.rows);
    latest.first_visit = firstVisit.latest;
  }
  if (want('training')) {
    const training: Record<string, number> = {};
    // Every backend that starts; WebGL and WebGPU run on software renderers here (reported, not tuned for).
    for (const backend of ['wasm', 'webgl', 'webgpu', 'cpu'] as const) {
      process.stderr.write(`\npersonalize ${backend}`);
      const runs = await repeated<{ steps_per_s: number; positions_per_s: number }>(
        browser,
        url,
        'personalize',
        backend,
        backend === 'webgpu' || backend === 'webgl' ? 5 : 20,
      ).catch((error: Error) => {
        rows.push({
          metric: `on-device fine-tuning, ${backend}`,
          value: `did not run: ${error.message.split('\n')[0]}`,
          baseline: '',
          ratio: '',
          target: '',
        });
        return undefined;
      });
      if (!runs) continue;
      training[backend] = median(runs.map((r) => r.positions_per_s));
      rows.push({
        metric: `on-device fine-tuning, ${backend}${backend === 'webgl' || backend === 'webgpu' ? ' (software renderer here)' : ''}`,
        value: `${Math.round(training[backend]!)} positions/s (${median(runs.map((r) => r.steps_per_s)).toFixed(1)} steps/s)`,
        baseline: '',
        ratio: '',
        target: '',
      });
    }
    latest.train_positions_per_s = training;
  }
  if (want('memory')) {
    process.stderr.write('\nmemory');
    const memory = await repeated<{ tensors_before: number; tensors_after: number }>(browser, url, 'memory', 1000);
    latest.tensors_after_1000_recommend = memory.map((m) => m.tensors_after - m.tensors_before);
    rows.push({
      metric: 'tensor growth over 1,000 recommend()',
      value: String(Math.max(...(latest.tensors_after_1000_recommend as number[]))),
      baseline: '',
      ratio: '',
      target: '0',
      pass: Math.max(...(latest.tensors_after_1000_recommend as number[])) === 0,
    });
    process.stderr.write('\nmemory after training');
    const trained = await repeated<{ tensors_growth: number; tensor_bytes_growth: number }>(
      browser,
      url,
      'memoryTraining',
      10,
    );
    latest.tensors_after_10_trainings = trained.map((m) => m.tensors_growth);
    latest.tensor_bytes_after_10_trainings = trained.map((m) => m.tensor_bytes_growth);
    const grown = Math.max(...trained.map((m) => m.tensors_growth));
    process.stderr.write('\nworker heap');
    const heaps: { start: number; recommend: number; train: number }[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const page = await openBench(browser, url);
      try {
        await call(page, 'heapOpen');
        const start = await workerHeapBytes(browser);
        await call(page, 'heapStep', 1000, 0);
        const recommend = await workerHeapBytes(browser);
        await call(page, 'heapStep', 0, 10);
        heaps.push({ start, recommend, train: await workerHeapBytes(browser) });
        await call(page, 'heapClose');
      } finally {
        await page.close();
      }
      process.stderr.write('.');
    }
    latest.worker_heap_bytes = heaps;
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MB`;
    const growth = (key: 'recommend' | 'train') => median(heaps.map((h) => h[key] - h.start));
    rows.push({
      metric: 'worker JS heap after 1,000 recommend() / then 10 personalize() (after GC)',
      value: `${mb(median(heaps.map((h) => h.recommend)))} / ${mb(median(heaps.map((h) => h.train)))}`,
      baseline: `after start-up ${mb(median(heaps.map((h) => h.start)))}`,
      ratio: `growth ${(growth('recommend') / 1024).toFixed(0)} KB / ${(growth('train') / 1024).toFixed(0)} KB`,
      target: 'no growth (< 1 MB)',
      pass: growth('recommend') < 1024 * 1024 && growth('train') < 1024 * 1024,
    });
    rows.push({
      metric: 'tensor growth over 10 personalize() runs',
      value: `${grown} tensors, ${Math.max(...trained.map((m) => m.tensor_bytes_growth))} bytes`,
      baseline: '',
      ratio: '',
      target: '0',
      pass: grown === 0,
    });
  }
  if (want('federated')) {
    process.stderr.write('\nfederated round (browser clients)');
    const fed = await startServerChild([
      '--initial-model',
      'models/beauty/model.json',
      '--min-clients',
      '3',
      '--max-clients',
      '3',
      '--clip',
      '1',
      '--noise-multiplier',
      '0.5',
      '--population',
      '1000',
      '--phase-deadline-ms',
      '60000',
    ]);
    try {
      const runs = await repeated<{ client_ms: number; uploaded_bytes: number; train_ms: number }>(
        browser,
        url,
        'federatedRound',
        fed.url,
      );
      latest.federated_round_client_ms = median(runs.map((r) => r.client_ms));
      latest.federated_upload_bytes = median(runs.map((r) => r.uploaded_bytes));
      rows.push({
        metric: 'federated round, client time (train + clip + noise + mask + upload + protocol), 3 browsers',
        value:
          `${(median(runs.map((r) => r.client_ms)) / 1000).toFixed(1)} s (` +
          `${spread(runs.map((r) => r.client_ms / 1000))}), ${(median(runs.map((r) => r.uploaded_bytes)) / 1024).toFixed(0)} KB up`,
        baseline: `local training alone ${(median(runs.map((r) => r.train_ms)) / 1000).toFixed(1)} s`,
        ratio: '',
        target: '≤ 512 KB up',
        pass: median(runs.map((r) => r.uploaded_bytes)) <= 512 * 1024 + 64 * 1024,
      });
    } finally {
      fed.stop();
    }
  }
} finally {
  await browser.close();
  server.close();
}

if (want('server')) {
  // Node clients against the server process; its CPU time is read from /proc.
  const serverRounds: Awaited<ReturnType<typeof benchServerRound>>[] = [];
  latest.server_rounds = serverRounds;
  // Each cohort on the default graph (complete up to ~24 clients, SecAgg+ above), and 100 clients
  // on the complete graph as the baseline: plain Bonawitz, measured in the same run.
  const cases: { clients: number; neighbors: number }[] = [
    { clients: 10, neighbors: 0 },
    { clients: 50, neighbors: 0 },
    { clients: 100, neighbors: 99 },
    { clients: 100, neighbors: 0 },
    { clients: 1000, neighbors: 0 },
  ];
  for (const { clients, neighbors } of cases) {
    process.stderr.write(`\nserver round, ${clients} clients${neighbors ? `, degree ${neighbors}` : ''}`);
    const r = await benchServerRound(clients, 131_072, neighbors);
    serverRounds.push(r);
    const graph = r.degree >= clients - 1 ? 'complete graph (Bonawitz)' : `SecAgg+ degree ${r.degree}`;
    const complete = serverRounds.find((x) => x.clients === clients && x.degree === clients - 1 && x !== r);
    rows.push({
      metric: `secure-aggregation round, ${clients.toLocaleString('en')} clients × 131,072 values, ${graph}`,
      value:
        `${r.round_s.toFixed(1)} s wall, server CPU ${r.server_cpu_s.toFixed(2)} s, ` +
        `${r.submissions_per_server_cpu_s.toFixed(0)} submissions per server-CPU-s`,
      baseline: complete ? `complete graph ${complete.round_s.toFixed(1)} s wall` : '',
      ratio: complete ? `${(complete.round_s / r.round_s).toFixed(1)}x faster` : '',
      target: '',
    });
  }
}

if (want('analytics')) {
  // An experiment's report: tiny vectors, so the cost is the protocol's, per device and per round.
  const analyticsRounds: Awaited<ReturnType<typeof benchAnalyticsRound>>[] = [];
  latest.analytics_rounds = analyticsRounds;
  for (const clients of [100, 1000]) {
    process.stderr.write(`\nanalytics round, ${clients} devices`);
    const r = await benchAnalyticsRound(clients);
    analyticsRounds.push(r);
    rows.push({
      metric: `analytics round (an experiment's counters, 14 values + discrete noise), ${clients.toLocaleString('en')} devices, SecAgg+ degree ${r.degree}`,
      value:
        `${r.round_s.toFixed(1)} s wall, server CPU ${r.server_cpu_s.toFixed(2)} s ` +
        `(${(clients / r.server_cpu_s).toFixed(0)} devices per server-CPU-s), ` +
        `client CPU ${r.client_cpu_ms_per_device.toFixed(0)} ms per device, ${r.uploaded_bytes} B up`,
      baseline: '',
      ratio: '',
      target: '',
    });
  }
}

if (want('sizes')) {
  process.stderr.write('\ncustom tfjs build');
  const custom = await measureCustomTfjs();
  latest.custom_tfjs = custom;
  rows.push({
    metric:
      `custom tfjs build: WASM backend + the ${custom.kernels} kernels pocketrank runs` +
      `${custom.custom_runs ? ' (runs the whole workload)' : ' (FAILED to run the workload)'}`,
    value: `${(custom.custom.brotli / 1024).toFixed(0)} KB brotli`,
    baseline: `all backends, all kernels ${(custom.full.brotli / 1024).toFixed(0)} KB`,
    ratio:
      `saves ${((custom.full.brotli - custom.custom.brotli) / 1024).toFixed(0)} KB (` +
      `${((1 - custom.custom.brotli / custom.full.brotli) * 100).toFixed(0)}%)`,
    target: '',
    pass: custom.custom_runs,
  });
}

const sizes = JSON.parse(await readFile('dist/sizes.json', 'utf8')) as { file: string; raw: number; brotli: number }[];
for (const s of sizes.filter((f) => f.file.endsWith('.js'))) {
  rows.push({
    metric: `size ${s.file}`,
    value: `${(s.brotli / 1024).toFixed(1)} KB brotli, ${(s.raw / 1024).toFixed(1)} KB raw`,
    baseline: '',
    ratio: '',
    target: '',
  });
}
latest.sizes = sizes;
const weights = (await stat('models/beauty/weights.bin')).size;
const contentBytes = await stat('models/beauty/content.bin').then(
  (s) => s.size,
  () => 0,
);
latest.model_weight_bytes = weights;
latest.content_encoder_bytes = contentBytes;
const weightsBrotli = brotliCompressSync(await readFile('models/beauty/weights.bin')).length;
rows.push({
  metric: 'model weights (uint8) + content encoder (float16, fetched only for new products)',
  value:
    `${((weights + contentBytes) / 1024 / 1024).toFixed(2)} MB (${(weights / 1024).toFixed(0)} KB weights, ` +
    `${(weightsBrotli / 1024).toFixed(0)} KB brotli; ${(contentBytes / 1024).toFixed(0)} KB encoder)`,
  baseline: '',
  ratio: '',
  target: '≤ 2 MB',
  pass: weights + contentBytes <= 2 * 1024 * 1024,
});
const catalogText = await readFile('models/beauty/catalog.json');
latest.catalog_bytes = catalogText.length;
latest.catalog_brotli_bytes = brotliCompressSync(catalogText).length;
rows.push({
  metric: 'catalog.json (12,101 items with titles)',
  value: `${((latest.catalog_brotli_bytes as number) / 1024).toFixed(0)} KB brotli, ${(catalogText.length / 1024).toFixed(0)} KB raw`,
  baseline: '',
  ratio: '',
  target: '',
});
const loader = sizes.find((s) => s.file === 'pocketrank.loader.js');
latest.loader_brotli_bytes = loader?.brotli ?? null;

const markdown = markdownTable(rows);
console.log(`\n\n${markdown}\n`);
await mkdir('bench/results', { recursive: true });
await writeFile(ONLY ? 'bench/results/partial.json' : 'bench/results/latest.json', JSON.stringify(latest, null, 2));
if (!ONLY)
  await writeFile(
    'BENCHMARKS.md',
    `# Benchmarks\n\nWritten by \`npm run bench\` on ${latest.date as string}: headless Chromium on this ` +
      `machine (2 cores, no GPU; WebGPU is the SwiftShader software adapter), ${REPEATS} repeats, medians with ` +
      `the min–max range of the repeats; 1-minute load average at the start ` +
      `${(latest.load_average_at_start as number).toFixed(1)} on 2 cores. Raw numbers: \`bench/results/latest.json\`.\n\n${markdown}\n`,
  );
if (loader && loader.brotli > LOADER_LIMIT) {
  console.error(`loader is ${loader.brotli} bytes brotli, over the ${LOADER_LIMIT}-byte budget`);
  process.exit(1);
}
