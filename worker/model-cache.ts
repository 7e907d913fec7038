import { textDigest } from '../models/sasrec/text-digest.js';

/** Where the model files of a start came from. */
export type ModelSource = 'network' | 'cache';

/** A fetch for `tf.io.http` that keeps the model on the device, and what it did. */
export interface ModelFetch {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** 'cache' when model.json and every weight file came from Cache Storage. */
  source(): ModelSource;
  /** Deletes cached weights of other model versions (call once the model has loaded). */
  prune(): Promise<void>;
  /**
   * Resolves once the background work (writes, the manifest's revalidation, pruning) is done, or
   * after `timeoutMs`: a worker terminated before it would leave a stale manifest for next time.
   */
  settled(timeoutMs: number): Promise<void>;
}

// A cache key for the manifest's text, not a security boundary (Cache Storage is private to the
// origin), so no async WebCrypto on the start-up path.
const manifestKey = textDigest;

function openCache(name: string): Promise<Cache | undefined> {
  try {
    return typeof caches === 'undefined' ? Promise.resolve(undefined) : caches.open(name).catch(() => undefined);
  } catch {
    return Promise.resolve(undefined); // reading `caches` throws in an opaque origin
  }
}

const urlOf = (input: RequestInfo | URL) =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

/**
 * Serves the model from Cache Storage so a returning shopper's start needs no network:
 * model.json is stale-while-revalidate (the cached copy now, a background check for a newer
 * one that the next start picks up), and weight files are keyed by the manifest's content, so a
 * new model version never meets old weights. Any Cache Storage failure (quota, private mode,
 * no `caches`) falls back to the network without an error.
 */
export function modelCacheFetch(cacheName: string, modelUrl: string): ModelFetch {
  const opened = openCache(cacheName);
  const manifestUrl = new URL(modelUrl, self.location.href).href;
  let key = '';
  let fromNetwork = 0;
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const done: Promise<unknown> = work.catch(() => undefined).finally(() => pending.delete(done));
    pending.add(done);
  };
  const store = (cache: Cache, request: string, response: Response) => track(cache.put(request, response));

  const get = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const cache = await opened;
    const url = new URL(urlOf(input), self.location.href).href;
    if (!cache) {
      fromNetwork++;
      return fetch(input, init);
    }
    if (url === manifestUrl) {
      const hit = await cache.match(url).catch(() => undefined);
      if (hit) {
        const text = await hit.clone().text();
        key = manifestKey(text);
        track(
          fetch(url, { ...init, cache: 'no-cache' }).then(async (fresh) => {
            if (fresh.ok && (await fresh.clone().text()) !== text) store(cache, url, fresh);
          }),
        );
        return hit;
      }
      fromNetwork++;
      const response = await fetch(input, init);
      if (response.ok) {
        key = manifestKey(await response.clone().text());
        store(cache, url, response.clone());
      }
      return response;
    }
    // A weight file: only under the manifest it belongs to (a synthetic URL, never fetched).
    const cacheKey = `${url}${url.includes('?') ? '&' : '?'}pocketrank-manifest=${key}`;
    const hit = key ? await cache.match(cacheKey).catch(() => undefined) : undefined;
    if (hit) return hit;
    fromNetwork++;
    const response = await fetch(input, init);
    if (response.ok && key) store(cache, cacheKey, response.clone());
    return response;
  };
  const prune = async () => {
    const cache = await opened;
    if (!cache || !key) return;
    const stale = (await cache.keys()).filter((r) => {
      const version = new URL(r.url).searchParams.get('pocketrank-manifest');
      return version !== null && version !== key;
    });
    await Promise.all(stale.map((r) => cache.delete(r)));
  };
  const settled = async (timeoutMs: number) => {
    const timedOut = new Promise<true>((resolve) => setTimeout(() => resolve(true), timeoutMs));
    // Work can start more work (a revalidation stores the fresh manifest): wait until none is left.
    while (pending.size > 0)
      if (await Promise.race([Promise.all([...pending]).then(() => false as const), timedOut])) return;
  };
  return {
    fetch: get,
    source: () => (fromNetwork === 0 ? 'cache' : 'network'),
    prune: () => {
      const work = prune().catch(() => undefined);
      track(work);
      return work;
    },
    settled,
  };
}
