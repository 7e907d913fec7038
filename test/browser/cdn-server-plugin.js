// A @web/test-runner plugin standing in for a CDN on another origin: a static server on a free
// loopback port serving dist/ and the generated fixtures with CORS, logging every request it
// gets (/__cdn.json tells pages where it is and what it saw). It also serves /csp/shop.html, a
// shop page under a strict Content-Security-Policy that allows only its own origin and the CDN,
// and /csp/readme.html: the README's script-tag snippet, queue file and policy as written there,
// with only the CDN, the model URL and the integrity hash filled in.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.map': 'application/json',
};
const ROOTS = ['dist/', 'test/fixtures/generated/'];

export function startCdnServer() {
  let server;
  let origin;
  const log = [];
  return {
    name: 'pocketrank-cdn-server',
    async serverStart() {
      server = createServer(async (req, res) => {
        let bodyBytes = 0;
        for await (const chunk of req) bodyBytes += chunk.length;
        const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
        log.push({ method: req.method, path, bodyBytes });
        res.setHeader('Access-Control-Allow-Origin', '*');
        if (req.method !== 'GET' || !ROOTS.some((r) => path.startsWith(r))) return res.writeHead(404).end();
        try {
          const body = await readFile(join('.', path));
          res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${server.address().port}`;
    },
    async serve(context) {
      if (context.path === '/__cdn.json') return { body: JSON.stringify({ origin, log }), type: 'json' };
      if (context.path === '/csp/readme.html' || context.path === '/js/pocketrank-queue.js') {
        const readme = await readmeSnippet(origin);
        if (context.path === '/js/pocketrank-queue.js') return { body: readme.queue, type: 'js' };
        const body = `<!doctype html><html><head><meta charset="utf-8"><title>README shop</title>
<script src="/test/browser/pages/readme-report.js"></script>
</head><body>${readme.html}</body></html>`;
        return { body, type: 'html', headers: { 'Content-Security-Policy': readme.csp } };
      }
      if (context.path !== '/csp/shop.html') return undefined;
      const sizes = JSON.parse(await readFile('dist/sizes.json', 'utf8'));
      const integrity = sizes.find((s) => s.file === 'pocketrank.loader.js').integrity;
      const csp = [
        "default-src 'none'",
        `script-src 'self' ${origin} 'wasm-unsafe-eval'`,
        // The blob wrapper is the worker; its import of the bundle is a worker-destination fetch from the CDN.
        `worker-src blob: ${origin}`,
        `connect-src 'self' ${origin}`,
        "style-src 'self'",
      ].join('; ');
      const body = `<!doctype html><html><head><meta charset="utf-8"><title>CSP shop</title>
<link rel="stylesheet" href="/test/browser/pages/csp-shop.css">
<script src="/test/browser/pages/csp-shop.js"></script>
<script async src="${origin}/dist/pocketrank.loader.js" integrity="${integrity}" crossorigin="anonymous"
  data-model="${origin}/test/fixtures/generated/model/model.json" data-backend="wasm" data-db="csp-shop-${Date.now()}"></script>
</head><body><h1>Shop</h1>
<pocketrank-recs scenario="for-you" count="3" explain><template><a class="card"
 href="/product/{itemId}"><b data-pr-text="itemId"></b> <i data-pr-text="reason"></i></a></template></pocketrank-recs>
<p id="below">below the widget</p></body></html>`;
      return { body, type: 'html', headers: { 'Content-Security-Policy': csp } };
    },
    async serverStop() {
      server?.close();
    },
  };
}

/** The README's script-tag section: its HTML snippet, queue file and CSP, pointed at this CDN. */
async function readmeSnippet(origin) {
  const readme = await readFile('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### The script tag'));
  const block = (lang, after = 0) => {
    const start = section.indexOf('```' + lang + '\n', after);
    return { text: section.slice(start + 4 + lang.length, section.indexOf('\n```', start + 1)), end: start + 1 };
  };
  const html = block('html');
  const queue = block('js', html.end);
  const policy = block('', section.indexOf('**Content-Security-Policy.**'));
  const sizes = JSON.parse(await readFile('dist/sizes.json', 'utf8'));
  const integrity = sizes.find((s) => s.file === 'pocketrank.loader.js').integrity;
  return {
    html: html.text
      .replace('https://cdn.example/pocketrank@0.1.0', origin)
      .replace(/sha384-[^"]*/, integrity)
      .replace('https://shop.example/pocketrank/model.json', `${origin}/test/fixtures/generated/model/model.json`),
    queue: queue.text,
    csp: policy.text
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean)
      .join(' ')
      .replaceAll('https://cdn.example', origin),
  };
}
