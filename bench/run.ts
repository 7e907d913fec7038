/**
 * npm run bench: measures pocketrank against its baselines side by side in one headless
 * Chromium run, repeated, and reports medians with spread. Writes bench/results/latest.json
 * and BENCHMARKS.md. Absolute times are machine-specific; the ratios are the point.
 */
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright';
import { serveRepo } from './static-server.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'] as const;
const LOADER_LIMIT = 5 * 1024;

type BenchApi = Record<string, (...args: never[]) => Promise<Record<string, number | string>>>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

async function openBench(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/bench/pages/bench.html`);
  await page.waitForFunction(() => document.title === 'bench ready');
  return page;
}

async function call<T extends Record<string, number | string>>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(([n, a]) => ((window as unknown as { bench: BenchApi }).bench[n as string]! as (...x: unknown[]) => Promise<T>)(...(a as unknown[])), [name, args] as const) as Promise<T>;
}

async function repeated<T extends Record<string, number | string>>(browser: Browser, url: string, name: string, ...args: unknown[]): Promise<T[]> {
  const out: T[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const page = await openBench(browser, url);
    try {
      out.push(await call<T>(page, name, ...args));
    } finally {
      await page.close();
    }
    process.stderr.write('.');
  }
  return out;
}

const { url, server } = await serveRepo(process.cwd());
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
});
const rows: { metric: string; value: string; baseline: string; ratio: string; target: string; pass?: boolean }[] = [];
const latest: Record<string, unknown> = { date: new Date().toISOString(), repeats: REPEATS };
try {
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
      rows.push({ metric: `recommend() p50, ${backend}`, value: 'did not start', baseline: '', ratio: '', target: '' });
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
    value: `${(latest.recommend_after_track_p50_ms as number).toFixed(2)} / ${median(fresh.map((f) => f.p95)).toFixed(2)} ms (${spread(fresh.map((f) => f.p50))})`,
    baseline: `naive main thread ${naiveP50.toFixed(2)} ms`,
    ratio: `${(naiveP50 / (latest.recommend_after_track_p50_ms as number)).toFixed(1)}x faster`,
    target: '',
  });
  latest.recommend_p50_ms = recommendP50;
  latest.recommend_p95_ms = recommendP95;

  process.stderr.write('\ntrack');
  const track = await repeated<{ p50_us: number }>(browser, url, 'track', 5000);
  latest.track_p50_us = median(track.map((t) => t.p50_us));
  rows.push({ metric: 'track() main-thread cost, p50', value: `${(latest.track_p50_us as number).toFixed(1)} µs (${spread(track.map((t) => t.p50_us))})`, baseline: '', ratio: '', target: '≤ 20 µs', pass: (latest.track_p50_us as number) <= 20 });

  process.stderr.write('\nidb');
  const idb = await repeated<{ batched_eps: number; naive_eps: number }>(browser, url, 'idb', 2000);
  const idbRatio = median(idb.map((i) => i.batched_eps / i.naive_eps));
  latest.idb_batched_eps = median(idb.map((i) => i.batched_eps));
  latest.idb_naive_eps = median(idb.map((i) => i.naive_eps));
  latest.idb_batched_over_naive = idbRatio;
  rows.push({ metric: 'IndexedDB ingest', value: `${Math.round(latest.idb_batched_eps as number)} events/s`, baseline: `1 awaited tx per event ${Math.round(latest.idb_naive_eps as number)} events/s`, ratio: `${idbRatio.toFixed(1)}x`, target: '≥ 10x', pass: idbRatio >= 10 });

  process.stderr.write('\nsession');
  const session = await repeated<{ long_tasks: number; longest_ms: number }>(browser, url, 'session', 200);
  latest.long_tasks = Math.max(...session.map((s) => s.long_tasks));
  rows.push({ metric: 'long tasks (> 50 ms) during track + recommend + on-device training', value: String(latest.long_tasks), baseline: '', ratio: '', target: 'none', pass: latest.long_tasks === 0 });

  process.stderr.write('\nstart-up');
  const cold: number[] = [];
  const warm: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const bucket of [cold, warm]) {
      await page.goto(`${url}/bench/pages/bench.html`);
      await page.waitForFunction(() => document.title === 'bench ready');
      bucket.push((await call<{ ms: number }>(page, 'start')).ms);
    }
    await context.close();
    process.stderr.write('.');
  }
  latest.cold_start_ms = median(cold);
  latest.warm_start_ms = median(warm);
  rows.push({ metric: 'cold start to first recommendation', value: `${median(cold).toFixed(0)} ms (${spread(cold)})`, baseline: '', ratio: '', target: '≤ 1500 ms', pass: median(cold) <= 1500 });
  rows.push({ metric: 'warm start (model in HTTP cache)', value: `${median(warm).toFixed(0)} ms (${spread(warm)})`, baseline: `cold ${median(cold).toFixed(0)} ms`, ratio: `${(median(cold) / median(warm)).toFixed(1)}x`, target: '≤ 300 ms', pass: median(warm) <= 300 });

  const training: Record<string, number> = {};
  for (const backend of ['wasm', 'cpu'] as const) {
    process.stderr.write(`\npersonalize ${backend}`);
    const runs = await repeated<{ steps_per_s: number; positions_per_s: number }>(browser, url, 'personalize', backend, 20);
    training[backend] = median(runs.map((r) => r.positions_per_s));
    rows.push({ metric: `on-device fine-tuning, ${backend}`, value: `${Math.round(training[backend]!)} positions/s (${median(runs.map((r) => r.steps_per_s)).toFixed(1)} steps/s)`, baseline: '', ratio: '', target: '' });
  }
  latest.train_positions_per_s = training;

  process.stderr.write('\nmemory');
  const memory = await repeated<{ tensors_before: number; tensors_after: number }>(browser, url, 'memory', 1000);
  latest.tensors_after_1000_recommend = memory.map((m) => m.tensors_after - m.tensors_before);
  rows.push({ metric: 'tensor growth over 1,000 recommend()', value: String(Math.max(...(latest.tensors_after_1000_recommend as number[]))), baseline: '', ratio: '', target: '0', pass: Math.max(...(latest.tensors_after_1000_recommend as number[])) === 0 });
} finally {
  await browser.close();
  server.close();
}

const sizes = JSON.parse(await readFile('dist/sizes.json', 'utf8')) as { file: string; raw: number; brotli: number }[];
for (const s of sizes.filter((f) => f.file.endsWith('.js'))) {
  rows.push({ metric: `size ${s.file}`, value: `${(s.brotli / 1024).toFixed(1)} KB brotli, ${(s.raw / 1024).toFixed(1)} KB raw`, baseline: '', ratio: '', target: '' });
}
latest.sizes = sizes;
const weights = (await stat('models/beauty/weights.bin')).size;
latest.model_weight_bytes = weights;
rows.push({ metric: 'model weights (float16)', value: `${(weights / 1024 / 1024).toFixed(2)} MB`, baseline: '', ratio: '', target: '≤ 2 MB', pass: weights <= 2 * 1024 * 1024 });
const loader = sizes.find((s) => s.file === 'pocketrank.loader.js');
latest.loader_brotli_bytes = loader?.brotli ?? null;

const header = ['metric', 'pocketrank', 'baseline (same run)', 'ratio', 'target', ''];
const table = [header, ...rows.map((r) => [r.metric, r.value, r.baseline, r.ratio, r.target, r.pass === undefined ? '' : r.pass ? 'ok' : 'MISS'])];
const markdown = table.map((cells, i) => `| ${cells.join(' | ')} |${i === 0 ? `\n|${cells.map(() => ' --- ').join('|')}|` : ''}`).join('\n');
console.log(`\n\n${markdown}\n`);
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/latest.json', JSON.stringify(latest, null, 2));
await writeFile(
  'BENCHMARKS.md',
  `# Benchmarks\n\nWritten by \`npm run bench\` on ${latest.date as string}: headless Chromium on this machine (2 cores, no GPU; WebGPU is the SwiftShader software adapter), ${REPEATS} repeats, medians with the min–max range of the repeats. Raw numbers: \`bench/results/latest.json\`.\n\n${markdown}\n`,
);
if (loader && loader.brotli > LOADER_LIMIT) {
  console.error(`loader is ${loader.brotli} bytes brotli, over the ${LOADER_LIMIT}-byte budget`);
  process.exit(1);
}
