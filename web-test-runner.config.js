// Browser tests run in the system Chromium (never a downloaded one), headless, with WebGPU on
// the SwiftShader software adapter so the webgpu backend is exercised on machines with no GPU.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { startCdnServer } from './test/browser/cdn-server-plugin.js';
import { startFederationServer, ticketProxy } from './test/browser/federation-server-plugin.js';
import { storageQuotaPlugin } from './test/browser/storage-quota-plugin.js';
import { requestLog, requestLogPlugin } from './test/browser/request-log-plugin.js';

// A form post to a fixture page answers with the page, as a shop's cart endpoint would redirect to one.
async function formPost(context, next) {
  if (context.method === 'POST' && context.path.startsWith('/test/browser/pages/')) {
    for await (const _ of context.req);
    context.method = 'GET';
  }
  return next();
}

// `?test-delay=ms` on any URL holds its response that long: a model still on its way.
async function delayed(context, next) {
  const ms = Number(context.query['test-delay']);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20_000)));
  return next();
}

// Model files are served as the README tells a shop to: revalidated on every view. The test
// runner's own outer middleware marks every file cacheable for a year once the response is made,
// so this one answers first and keeps that header off model files. `?test-no-store=1` on any URL
// answers with Cache-Control: no-store, a host that forbids caching.
async function cacheHeaders(context, next) {
  await next();
  const value = context.query['test-no-store'] ? 'no-store' : context.path.startsWith('/models/') ? 'no-cache' : '';
  if (!value) return;
  context.set('Cache-Control', value);
  const set = context.response.set.bind(context.response);
  context.response.set = (field, ...rest) => (/^cache-control$/i.test(field) ? undefined : set(field, ...rest));
}

// Binary files are served as bytes. The dev server decides by sniffing whether a response is
// text and, if it looks so, runs it through its transform plugins as a string, which replaces
// every byte over 0x7f: uint8 weights whose first values happen to be printable came back
// mangled (961,777 bytes for 828,416). A shop's static host never does this.
async function binaryFiles(context, next) {
  if (context.method !== 'GET' || !/\.(bin|wasm)$/.test(context.path)) return next();
  const file = resolve(rootDir, `.${decodeURIComponent(context.path)}`);
  if (!file.startsWith(`${rootDir}/`)) return next();
  let body;
  let info;
  try {
    [body, info] = await Promise.all([readFile(file), stat(file)]);
  } catch {
    return next();
  }
  context.type = context.path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
  // Revalidation as a static host answers it: an ETag, and 304 while it still matches.
  context.etag = `${info.size.toString(16)}-${info.mtimeMs.toString(16)}`;
  context.status = 200;
  if (context.fresh) context.status = 304;
  else context.body = body;
}
const rootDir = resolve('.');

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default {
  rootDir: '.',
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  middleware: [requestLog, delayed, cacheHeaders, ticketProxy, formPost, binaryFiles],
  concurrency: 1,
  concurrentBrowsers: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 120_000,
  testsFinishTimeout: 600_000,
  testFramework: { config: { timeout: 120_000 } },
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022' }),
    // Tests import 'pocketrank' (typed from src/ by tsconfig paths) and run against the built bundle.
    startFederationServer(),
    startCdnServer(),
    storageQuotaPlugin(),
    requestLogPlugin(),
    {
      name: 'pocketrank-built-bundle',
      resolveImport: ({ source }) => (source === 'pocketrank' ? '/dist/pocketrank.js' : undefined),
    },
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath,
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
      },
    }),
  ],
};
