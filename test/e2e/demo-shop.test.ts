/**
 * End to end: the demo shop (the `npm start` dev server) in headless Chromium against a real
 * federation server. Clicks through a session, checks the rows change, saves a screenshot, and
 * audits every request the page and its workers make: event data never leaves the device.
 */
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { federatedPartOf } from '../../server/rounds/initial-model.js';
import { startTestServer } from '../server/start-test-server.js';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let vite: ViteDevServer;
let federation: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let shopUrl: string;

beforeAll(async () => {
  const initial = await federatedPartOf('models/beauty/model.json');
  federation = await startTestServer(
    {
      vectorLength: initial.length,
      minClients: 3,
      maxClients: 8,
      clip: 0.5,
      noiseMultiplier: 0.7,
      population: 1000,
      phaseDeadlineMs: 5_000,
    },
    initial,
  );
  vite = await createServer({
    configFile: 'vite.config.ts',
    mode: 'demo',
    server: { port: 0, open: false, host: '127.0.0.1' },
    logLevel: 'silent',
  });
  await vite.listen();
  shopUrl = `${vite.resolvedUrls!.local[0]!}demo/?federation=${encodeURIComponent(federation.url)}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await vite?.close();
  await federation?.stop();
});

const widgetItems = (page: Page, selector: string) =>
  page.$$eval(`${selector} [data-pocketrank-item]`, (cards) =>
    cards.map((c) => `${(c as HTMLElement).dataset.pocketrankItem} | ${c.querySelector('.reason')?.textContent ?? ''}`),
  );

/** Opens the grid's n-th products one after another, as a shopper clicking through; returns their ids and names. */
async function openProducts(page: Page, positions: number[]): Promise<{ ids: string[]; names: string[] }> {
  const ids: string[] = [];
  const names: string[] = [];
  for (const n of positions) {
    await page.goto(`${shopUrl}#/`);
    const card = page.locator('.grid .card').nth(n);
    ids.push((await card.getAttribute('data-id'))!);
    names.push((await card.getAttribute('title'))!);
    await card.click();
    await page.waitForSelector('.product');
  }
  return { ids, names };
}

describe('the demo shop', () => {
  it('updates its rows through a session, keeps events on the device, and forgets on request', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requests: Request[] = [];
    context.on('request', (r) => requests.push(r));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(shopUrl);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Ranked'), undefined, {
      timeout: 60_000,
    });
    const forYou = 'section:first-of-type pocketrank-recs';
    await page.waitForSelector(`${forYou} [data-pocketrank-item]`);
    const cold = await widgetItems(page, forYou);
    expect(cold.every((c) => c.endsWith('Trending now'))).toBe(true);
    // A first visit has nothing recently viewed: that row is empty and claims no ranking time.
    await page.waitForFunction(
      () =>
        (document.querySelector('pocketrank-recs[scenario="recently-viewed"]') as { latencyMs?: number } | null)
          ?.latencyMs! > 0,
    );
    expect(await page.textContent('pocketrank-recs[scenario="recently-viewed"] + .hint')).toBe('');

    // A session: open two products from the grid, add one to the cart.
    const { ids: viewed, names: viewedNames } = await openProducts(page, [3, 7]);
    await page.click('text=Add to cart');
    await page.waitForFunction(() => document.getElementById('cart-count')?.textContent === '1');
    await page.waitForSelector('pocketrank-recs[scenario="similar"] [data-pocketrank-item]');
    // Each row of the product page shows something of its own: what goes with this item, and
    // other picks for the shopper, never the same list twice.
    const idsOf = (sel: string) =>
      page.$$eval(`${sel} [data-pocketrank-item]`, (cards) =>
        cards.map((c) => (c as HTMLElement).dataset.pocketrankItem!),
      );
    await page.waitForSelector('pocketrank-recs[scenario="bought-together"] [data-pocketrank-item]');
    await page.waitForFunction(() => document.querySelector('pocketrank-recs[scenario="for-you"][exclude]') !== null);
    await page.waitForSelector('pocketrank-recs[scenario="for-you"] [data-pocketrank-item]');
    await page.waitForTimeout(500);
    const goesWith = await idsOf('pocketrank-recs[scenario="bought-together"]');
    const becauseViewed = await idsOf('pocketrank-recs[scenario="for-you"]');
    expect(goesWith.length).toBeGreaterThan(0);
    expect(becauseViewed.filter((id) => goesWith.includes(id))).toEqual([]);
    await page.click('nav >> text=Shop');
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(`${sel} .reason`)].some((r) => r.textContent?.startsWith('Because you')),
      forYou,
      { timeout: 30_000 },
    );
    const warm = await widgetItems(page, forYou);
    expect(warm).not.toEqual(cold);
    // The explanations name what raised each item, not the latest event for the whole row.
    const because = new Set(warm.map((w) => w.split(' | ')[1]).filter((r) => r?.startsWith('Because you')));
    expect(because.size).toBeGreaterThan(1);
    // Recently viewed shows both viewed products, the one in the cart too, newest first.
    await page.waitForSelector('pocketrank-recs[scenario="recently-viewed"] [data-pocketrank-item]');
    const recent = await page.$$eval('pocketrank-recs[scenario="recently-viewed"] [data-pocketrank-item]', (cards) =>
      cards.map((c) => (c as HTMLElement).dataset.pocketrankItem!),
    );
    expect(recent.slice(0, 2)).toEqual([...viewed].reverse());
    // Products go by name: cards, reasons and product pages print catalog titles, never an ASIN.
    const titles = await page.$$eval('.grid .card .title', (t) => t.map((x) => x.textContent ?? ''));
    expect(titles.length).toBeGreaterThan(10);
    expect(titles.every((t) => t.length > 0 && !/^B0[0-9A-Z]{8}$/.test(t) && !t.startsWith('Beauty item'))).toBe(true);
    expect([...because].every((r) => !/B0[0-9A-Z]{8}/.test(r!))).toBe(true);
    // The search box (pocketrank's, on the device) matches words of titles, typos forgiven.
    await page.fill('pocketrank-search input[type="search"]', 'lipstik');
    await page.press('pocketrank-search input[type="search"]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('pocketrank-search .card').length > 0);
    const found = await page.$$eval('pocketrank-search .card .title', (t) =>
      t.map((x) => x.textContent!.toLowerCase()),
    );
    expect(found.length).toBeGreaterThan(3);
    expect(found.every((t) => /\blipstick/.test(t))).toBe(true);
    expect(await page.isHidden('.grid')).toBe(true);
    await page.locator('pocketrank-search .card').first().click();
    await page.waitForSelector('.product h2');
    expect(await page.title()).toContain((await page.textContent('.product h2'))!);
    expect((await page.textContent('.product h2'))!.toLowerCase()).toBe(found[0]);
    await page.click('nav >> text=Shop');
    // The status bar names the backend, not the driver's whole identification string.
    expect((await page.textContent('#status'))!.length).toBeLessThan(200);
    expect(
      warm.some((w) =>
        viewedNames.some((v) => w.includes(`Because you viewed ${v}`) || w.includes(`Because you added ${v}`)),
      ),
    ).toBe(true);
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/demo-shop.png', fullPage: false });

    // The privacy page lists exactly the stored events.
    await page.click('nav >> text=Privacy');
    await page.waitForSelector('table');
    const rows = await page.$$eval('table tr', (trs) => trs.length - 1);
    expect(rows).toBeGreaterThanOrEqual(3); // 2 views + 1 cart add (+ impressions and clicks of the widgets)

    // Network audit: nothing tracked went anywhere. Every request is a GET of the shop's static
    // files; no request has a body; the federation server, which this shopper has not opted in
    // to, heard nothing at all (not even a privacy-report request).
    const shopOrigin = new URL(shopUrl).origin;
    for (const r of requests) {
      const origin = new URL(r.url()).origin;
      expect(origin).toBe(shopOrigin);
      expect(r.method()).toBe('GET');
      expect(r.postDataBuffer()).toBeNull();
      for (const id of viewed) expect(r.url()).not.toContain(id);
    }
    expect(requests.some((r) => r.url().includes('pocketrank.worker.js'))).toBe(true); // worker requests are recorded too
    expect(requests.some((r) => r.url().endsWith('/weights.bin'))).toBe(true);

    // Forget: the database is gone.
    await page.click('text=Forget me on this device');
    await page.waitForFunction(async () => !(await indexedDB.databases()).some((d) => d.name === 'pocketrank-demo'));
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);

  it('runs a federated round when opted in, and uploads only masked numbers', async () => {
    const context = await browser.newContext();
    const posts: { url: string; body: Buffer }[] = [];
    context.on('request', (r) => {
      if (r.method() !== 'GET') posts.push({ url: r.url(), body: r.postDataBuffer() ?? Buffer.alloc(0) });
    });
    const page = await context.newPage();
    await page.goto(shopUrl);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Ranked'), undefined, {
      timeout: 60_000,
    });
    const { ids: mine } = await openProducts(page, [1, 2, 5, 9]);
    await page.click('nav >> text=Privacy');
    await page.check('text=Help improve the shop');
    await page.click('nav >> text=Federated learning');
    // The simulation panel says what the model card says: the pooled shares of the committed results.
    await page.waitForSelector('text=Pooled over 4 seeds');
    const pooled = await page.textContent('text=Pooled over 4 seeds');
    expect(pooled).toMatch(/keeps 110% of the centralized gain without DP and 113% with DP at ε = 8/);
    expect(await page.textContent('.panel .hint >> nth=0')).toMatch(/not contacted yet/);
    await page.click('text=Run a federated round now');
    await page.waitForFunction(
      () => /Round .* finished/.test(document.querySelector('.panel .hint:last-child')?.textContent ?? ''),
      undefined,
      { timeout: 180_000 },
    );
    const log = await page.textContent('.panel .hint:last-child');
    expect(log).toMatch(/4 updates aggregated/);
    expect(log).toMatch(/This browser: uploaded [\d,]+ masked bytes/);
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) {
      expect(new URL(p.url).origin).toBe(federation.url);
      const text = p.body.toString('latin1');
      for (const id of mine) expect(text).not.toContain(id);
    }
    expect((await federation.store.latestModel())!.version).toBeGreaterThan(1);
    // After the round the header reads the server's report again: rounds counted.
    await page.waitForFunction(() =>
      /[1-9]\d* rounds so far/.test(document.querySelector('.panel .hint')?.textContent ?? ''),
    );
    await context.close();
  }, 300_000);

  it("runs an A/B test's reporting day on the A/B tests page: the server publishes the noisy sum and its epsilon", async () => {
    const context = await browser.newContext();
    const posts: { url: string; body: Buffer }[] = [];
    context.on('request', (r) => {
      if (r.method() !== 'GET') posts.push({ url: r.url(), body: r.postDataBuffer() ?? Buffer.alloc(0) });
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${shopUrl}#/experiments`);
    await page.waitForSelector('text=Report a simulated day');
    // The committed simulation is plotted, one interval per period, with its coverage.
    expect(await page.$$eval('svg.chart line[stroke-width="2"]', (lines) => lines.length)).toBeGreaterThan(10);
    expect(posts).toEqual([]); // nothing sent before the button
    await page.click('text=Report a simulated day');
    await page.waitForFunction(() => /devices' counters summed/.test(document.body.textContent ?? ''), undefined, {
      timeout: 180_000,
    });
    expect(await page.textContent('body')).toMatch(/6 devices' counters summed/);
    await page.waitForSelector('table');
    const report = (await (await fetch(`${federation.url}/v1/experiments/demo-lift`)).json()) as {
      devices: number;
      privacy: { epsilonPerPeriod: number };
    };
    expect(report.devices).toBe(6);
    expect(report.privacy.epsilonPerPeriod).toBeLessThanOrEqual(1);
    expect(await page.textContent('table')).toMatch(/personal/);
    // Only masked vectors and protocol messages went out, all to the federation server.
    for (const p of posts) expect(new URL(p.url).origin).toBe(federation.url);
    expect(errors).toEqual([]);
    await context.close();
  }, 300_000);
});
