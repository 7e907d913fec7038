import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { shopPage } from './shop-page.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

/** One response as the CDN sent it: what the shop's visitor paid for the file. */
export interface Sent {
  path: string;
  status: number;
  /** Bytes on the wire: status line, headers and (compressed) body. */
  bytes: number;
}

/**
 * The README's cache lifetimes: the versioned SDK for a year; the first list for five minutes and
 * then stale while it is revalidated (a trending list an hour old is still a fine first card, and
 * a returning shopper's first card then needs no round trip); everything else of the shop's
 * revalidated on every view.
 */
function cacheControl(path: string): string {
  if (path.startsWith('/dist/')) return 'public, max-age=31536000, immutable';
  if (path.endsWith('/top.json')) return 'public, max-age=300, stale-while-revalidate=86400';
  return 'no-cache';
}

/** A file as served: its compressed body and validator, computed once. */
interface Entry {
  body: Buffer;
  etag: string;
  encoding?: 'br';
}

/**
 * The shop's static host and the SDK's CDN in one loopback server, configured as the README's
 * serving guidance says: brotli for every compressible file (JS, JSON, WASM and the weights;
 * quality 11, compressed once as a CDN caches it), a strong ETag with 304 on revalidation, and
 * cache lifetimes by kind ({@link cacheControl}; `/dist/` stands for the versioned package path
 * `pocketrank@x.y.z/dist/…`). It records every response's bytes on the wire.
 */
export async function startCdn(root: string): Promise<{ url: string; server: Server; sent: Sent[] }> {
  const cache = new Map<string, Entry>();
  const sent: Sent[] = [];
  const entry = async (path: string): Promise<Entry | undefined> => {
    const hit = cache.get(path);
    if (hit) return hit;
    let raw: Buffer;
    if (path === '/shop.html' || path === '/shop-plain.html') raw = Buffer.from(shopPage(path === '/shop.html'));
    else {
      const file = join(root, path);
      if (!path.startsWith('/dist/') && !path.startsWith('/models/')) return undefined;
      if (!(await stat(file).catch(() => undefined))?.isFile()) return undefined;
      raw = await readFile(file);
    }
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    const made: Entry =
      br.length < raw.length * 0.95
        ? { body: br, etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`, encoding: 'br' }
        : { body: raw, etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"` };
    cache.set(path, made);
    return made;
  };
  // A CDN compresses a file once, not on the visitor's time: every file a visit can ask for, up front.
  for (const dir of ['/dist/', '/models/beauty/'])
    for (const name of await readdir(join(root, dir)))
      if (!name.endsWith('.map') && (await stat(join(root, dir, name))).isFile()) await entry(`${dir}${name}`);
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const before = req.socket.bytesWritten;
    res.on('finish', () => sent.push({ path, status: res.statusCode, bytes: req.socket.bytesWritten - before }));
    const found = await entry(path).catch(() => undefined);
    if (!found) return void res.writeHead(404, { 'content-length': 0 }).end();
    const headers: Record<string, string | number> = {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': cacheControl(path),
      etag: found.etag,
      vary: 'accept-encoding',
      'access-control-allow-origin': '*',
    };
    if (req.headers['if-none-match'] === found.etag) return void res.writeHead(304, headers).end();
    const brotli = found.encoding === 'br' && /\bbr\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (found.encoding === 'br' && !brotli) {
      // Every browser this bench drives accepts brotli; anything else gets the file as it is on disk.
      const raw = await readFile(join(root, path));
      return void res.writeHead(200, { ...headers, 'content-length': raw.length }).end(raw);
    }
    res.writeHead(200, {
      ...headers,
      'content-length': found.body.length,
      ...(brotli && { 'content-encoding': 'br' }),
    });
    res.end(found.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server, sent };
}
