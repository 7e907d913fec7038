import type { Browser, BrowserContext } from 'playwright';
import { median, REPEATS, spread, type Row } from '../bench-harness.js';
import { startCdn, type Sent } from './cdn-server.js';

/** Chrome DevTools' network presets as the issue states them (throughput in bytes per second). */
export const PROFILES = {
  unthrottled: undefined,
  'Fast 4G': { latency: 60, downloadThroughput: 9e6 / 8, uploadThroughput: 1.5e6 / 8 },
  'Slow 4G': { latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 0.75e6 / 8 },
} as const;
type Profile = keyof typeof PROFILES;

/** What the shop page's probe saw (ms since navigation start), and what the CDN sent for it. */
interface Visit {
  firstCard?: number;
  personalCard?: number;
  lcp: number;
  cls: number;
  longTasks: number;
  longTaskMs: number;
  /** When the SDK had started (first list there) and when the engine served. */
  sdkStarted?: number;
  engineReady?: number;
  /** The worker's start-up phases (status().startup). */
  startup?: { totalMs: number; backendMs: number; modelMs: number; catalogMs: number; storageMs: number };
  error?: string;
  sent: Sent[];
}

const bytes = (sent: Sent[]) => sent.reduce((n, s) => n + s.bytes, 0);

/**
 * One page view under CDP network emulation (it throttles the page's worker too: its downloads
 * are most of the bytes). Waits for the first card from the model, or without the SDK for the
 * page's load event, then a settle time.
 */
async function visit(
  context: BrowserContext,
  url: string,
  path: string,
  profile: Profile,
  sent: Sent[],
): Promise<Visit> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const conditions = PROFILES[profile];
  await cdp.send('Network.enable');
  if (conditions) await cdp.send('Network.emulateNetworkConditions', { offline: false, ...conditions });
  const from = sent.length;
  await page.goto(`${url}${path}`, { waitUntil: 'load' });
  if (path === '/shop.html')
    await page.waitForFunction(
      () => {
        const v = (window as unknown as { __firstVisit: Visit }).__firstVisit;
        return v.personalCard !== undefined || v.error !== undefined;
      },
      null,
      { timeout: 120_000, polling: 20 },
    );
  // A shopper reads the page for a moment: LCP and layout shifts settle, the model cache's writes finish.
  await page.waitForTimeout(1000);
  const seen = await page.evaluate(() => (window as unknown as { __firstVisit: Omit<Visit, 'sent'> }).__firstVisit);
  await page.close();
  if (seen.error) throw new Error(`first visit ${profile}: ${seen.error}`);
  return { ...seen, sent: sent.slice(from) };
}

/** Cold (a new shopper, nothing cached) then warm (the same shopper's next page view) visits. */
async function visits(browser: Browser, url: string, path: string, profile: Profile, sent: Sent[]) {
  const cold: Visit[] = [];
  const warm: Visit[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const context = await browser.newContext();
    cold.push(await visit(context, url, path, profile, sent));
    if (path === '/shop.html') warm.push(await visit(context, url, path, profile, sent));
    await context.close();
    process.stderr.write('.');
  }
  return { cold, warm };
}

const ms = (xs: (number | undefined)[]) => median(xs.map((x) => x ?? Number.NaN));
const spreadOf = (xs: (number | undefined)[]) => spread(xs.map((x) => x ?? Number.NaN));

/** Bytes per file of one visit, largest first. */
function perFile(v: Visit): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of [...v.sent].sort((a, b) => b.bytes - a.bytes)) out[s.path] = (out[s.path] ?? 0) + s.bytes;
  return out;
}

/**
 * The first-visit rows of `npm run bench`: a shop's product page with the loader, the first
 * list and one widget, served brotli-compressed with the README's cache headers, at Fast 4G and
 * Slow 4G (and unthrottled), cold and warm; and the page's vitals with and without the SDK.
 */
export async function measureFirstVisit(browser: Browser, root: string): Promise<{ rows: Row[]; latest: object }> {
  const { url, server, sent } = await startCdn(root);
  const rows: Row[] = [];
  const latest: Record<string, unknown> = {};
  try {
    for (const profile of Object.keys(PROFILES) as Profile[]) {
      process.stderr.write(`\nfirst visit, ${profile}`);
      const { cold, warm } = await visits(browser, url, '/shop.html', profile, sent);
      const fast = profile === 'Fast 4G';
      const slow = profile === 'Slow 4G';
      const result = {
        cold_first_card_ms: ms(cold.map((v) => v.firstCard)),
        cold_personal_card_ms: ms(cold.map((v) => v.personalCard)),
        cold_bytes: median(cold.map((v) => bytes(v.sent))),
        warm_first_card_ms: ms(warm.map((v) => v.firstCard)),
        warm_personal_card_ms: ms(warm.map((v) => v.personalCard)),
        warm_bytes: median(warm.map((v) => bytes(v.sent))),
        // Where the time of a cold visit goes: the SDK's start, the worker's own start-up, the engine serving.
        cold_sdk_started_ms: ms(cold.map((v) => v.sdkStarted)),
        cold_engine_ready_ms: ms(cold.map((v) => v.engineReady)),
        cold_worker_startup_ms: ms(cold.map((v) => v.startup?.totalMs)),
        warm_worker_startup_ms: ms(warm.map((v) => v.startup?.totalMs)),
        cold_files: perFile(cold[0]!),
        warm_files: perFile(warm[0]!),
      };
      latest[profile] = result;
      if (fast)
        rows.push({
          metric: 'first visit, Fast 4G, cold: bytes per file (brotli, headers included)',
          value: Object.entries(result.cold_files)
            .map(([file, n]) => `${file.split('/').pop()} ${(n / 1024).toFixed(1)}`)
            .join(', '),
          baseline: 'KB',
          ratio: '',
          target: '',
        });
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      // "first card / first card from the model" with the spread of each over the repeats.
      const times = (vs: Visit[], first: number, personal: number) =>
        `${first.toFixed(0)} / ${personal.toFixed(0)} ms ` +
        `(${spreadOf(vs.map((v) => v.firstCard))} / ${spreadOf(vs.map((v) => v.personalCard))})`;
      rows.push(
        {
          metric: `first visit, ${profile}, cold: first card / first card from the model`,
          value: times(cold, result.cold_first_card_ms, result.cold_personal_card_ms),
          baseline: `${kb(result.cold_bytes)} transferred`,
          ratio: '',
          target: fast ? '≤ 600 / ≤ 1500 ms' : slow ? '≤ 2500 ms first card' : '',
          ...(fast && { pass: result.cold_first_card_ms <= 600 && result.cold_personal_card_ms <= 1500 }),
          ...(slow && { pass: result.cold_first_card_ms <= 2500 }),
        },
        {
          metric: `first visit, ${profile}, warm reload: first card / first card from the model`,
          value: times(warm, result.warm_first_card_ms, result.warm_personal_card_ms),
          baseline: `${kb(result.warm_bytes)} transferred`,
          ratio: '',
          target: fast ? '≤ 300 ms, ≤ 20 KB' : '',
          ...(fast && { pass: result.warm_first_card_ms <= 300 && result.warm_bytes <= 20 * 1024 }),
        },
      );
    }
    // The shop page's own vitals with and without the SDK, on a cold Fast 4G visit.
    process.stderr.write('\nshop vitals with / without the SDK');
    const withSdk = (await visits(browser, url, '/shop.html', 'Fast 4G', sent)).cold;
    const without = (await visits(browser, url, '/shop-plain.html', 'Fast 4G', sent)).cold;
    const vitals = (vs: Visit[]) => ({
      lcp_ms: median(vs.map((v) => v.lcp)),
      cls: median(vs.map((v) => v.cls)),
      long_tasks: median(vs.map((v) => v.longTasks)),
      long_task_ms: median(vs.map((v) => v.longTaskMs)),
    });
    const [a, b] = [vitals(withSdk), vitals(without)];
    latest.vitals = { with_sdk: a, without_sdk: b };
    rows.push({
      metric: 'shop page vitals, Fast 4G cold, with the SDK: LCP / CLS / long tasks (total ms)',
      value: `${a.lcp_ms.toFixed(0)} ms / ${a.cls.toFixed(3)} / ${a.long_tasks} (${a.long_task_ms.toFixed(0)} ms)`,
      baseline: `without: ${b.lcp_ms.toFixed(0)} ms / ${b.cls.toFixed(3)} / ${b.long_tasks} (${b.long_task_ms.toFixed(0)} ms)`,
      ratio: '',
      target: 'unchanged',
      pass: a.cls <= b.cls + 0.001 && a.long_tasks <= b.long_tasks && a.lcp_ms <= b.lcp_ms + 50,
    });
  } finally {
    server.close();
  }
  return { rows, latest };
}
