// A @web/test-runner plugin: starts the real federation server (tsx server/main.ts) on a free
// loopback port for the browser tests, a second one with DP that federates only the model's
// dpCoordinates, and a third that admits only devices ticketed by the shop's endpoint
// (examples/ticket-endpoint.ts, run as its own process and reached through the test pages'
// origin at /__ticket, as a shop serves it from its own); pages find them at /__federation.json
// ({ url, dpUrl, ticketedUrl }).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServerProcess } from '../../scripts/server-process.js';

let ticketEndpoint;

/** Koa middleware: POST /__ticket goes to the shop's ticket endpoint with the page's cookies. */
export async function ticketProxy(context, next) {
  if (context.path !== '/__ticket' || context.method !== 'POST') return next();
  const chunks = [];
  for await (const chunk of context.req) chunks.push(chunk);
  const response = await fetch(ticketEndpoint, {
    method: 'POST',
    headers: { cookie: context.get('cookie') },
    body: Buffer.concat(chunks),
  });
  context.status = response.status;
  context.type = 'json';
  context.body = await response.text();
}

export function startFederationServer() {
  let child;
  let dpChild;
  let url;
  let dpUrl;
  let ticketedUrl;
  let ticketed;
  let shop;
  return {
    name: 'pocketrank-federation-server',
    async serverStart() {
      const dataDir = mkdtempSync(join(tmpdir(), 'pocketrank-wtr-'));
      const model = ['--initial-model', 'test/fixtures/generated/model/model.json'];
      // The browser tests' own devices, all at once: no tickets, and the first three form the cohort.
      const open = ['--open-admission', 'true', '--cohort-pool', '1'];
      ({ url, child } = await startServerProcess(
        [
          '--data-dir',
          dataDir,
          '--min-clients',
          '3',
          '--max-clients',
          '3',
          '--analytics-max-clients',
          '3',
          '--clip',
          '1000',
          ...open,
          ...model,
        ],
        { timeoutMs: 15_000 },
      ));
      const dpDir = mkdtempSync(join(tmpdir(), 'pocketrank-wtr-dp-'));
      ({ url: dpUrl, child: dpChild } = await startServerProcess(
        [
          '--data-dir',
          dpDir,
          '--min-clients',
          '3',
          '--max-clients',
          '3',
          '--clip',
          '1',
          '--noise-multiplier',
          '1',
          '--population',
          '100',
          '--epsilon-budget',
          '50',
          '--dp-coordinates',
          'true',
          ...open,
          ...model,
        ],
        { timeoutMs: 15_000 },
      ));
      const key = randomBytes(32).toString('base64');
      const shopPort = await freePort();
      shop = spawn(process.execPath, ['--import', 'tsx', 'examples/ticket-endpoint.ts'], {
        env: { ...process.env, POCKETRANK_ADMISSION_KEY: key, POCKETRANK_SHOP: 'glow', PORT: String(shopPort) },
        stdio: 'ignore',
      });
      ticketEndpoint = `http://127.0.0.1:${shopPort}/pocketrank/ticket`;
      ({ url: ticketedUrl, child: ticketed } = await startServerProcess(
        [
          ...['--data-dir', mkdtempSync(join(tmpdir(), 'pocketrank-wtr-ticketed-')), '--admission-key', key],
          ...['--shop', 'glow', '--min-clients', '3', '--max-clients', '3', '--clip', '1000', '--cohort-pool', '1'],
          ...model,
        ],
        { timeoutMs: 15_000 },
      ));
      // The endpoint answers 404 to GET once it listens.
      for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
        if ((await fetch(ticketEndpoint).catch(() => undefined))?.status === 404) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    serve(context) {
      if (context.path === '/__federation.json')
        return { body: JSON.stringify({ url, dpUrl, ticketedUrl }), type: 'json' };
      return undefined;
    },
    async serverStop() {
      child?.kill('SIGTERM');
      dpChild?.kill('SIGTERM');
      ticketed?.kill('SIGTERM');
      shop?.kill('SIGTERM');
    },
  };
}
