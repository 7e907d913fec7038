import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { transform } from 'esbuild';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.map': 'application/json',
};

/**
 * Serves the repository on 127.0.0.1 like a shop's static host: long-lived caching for model
 * files (so a second visit is a warm start) and TypeScript pages transpiled on the fly.
 */
export async function serveRepo(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
        /^(\.\.[/\\])+/,
        '',
      );
      const file = join(root, path);
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      let body: Buffer | string = await readFile(file);
      const ext = extname(file);
      if (ext === '.ts')
        body = (await transform(body.toString(), { loader: 'ts', format: 'esm', target: 'es2022' })).code;
      res.writeHead(200, {
        'content-type': TYPES[ext] ?? 'application/octet-stream',
        'cache-control': path.startsWith('/models/') || path.endsWith('.wasm') ? 'public, max-age=3600' : 'no-cache',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server };
}
