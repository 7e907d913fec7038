/**
 * Starts the downloads of the model's weights and the catalog on the page while the worker script
 * is still arriving and booting. The worker's own requests for them then meet them in the HTTP
 * cache (a request for a URL already downloading waits for that download instead of starting a
 * second one), so on a first visit the big files are on the wire some half a second earlier at
 * 4G speeds. Only bytes: nothing is read but model.json's list of weight files.
 *
 * Skipped when the device already holds the model (a returning shopper's start reads Cache
 * Storage, not the network) and when the host forbids caching (`Cache-Control: no-store`, where
 * the worker's requests would download everything a second time). Any failure is the worker's
 * to report; this stays silent.
 */
export async function prefetchModel(modelUrl: string, catalog: unknown, cacheName: string | undefined): Promise<void> {
  try {
    if (cacheName && typeof caches !== 'undefined' && (await caches.has(cacheName))) return;
    const response = await fetch(modelUrl);
    if (!response.ok || noStore(response)) return void response.body?.cancel();
    const json = (await response.json()) as { weightsManifest?: { paths?: unknown[] }[] };
    const files = (json.weightsManifest ?? []).flatMap((group) => group.paths ?? []);
    const urls = files.filter((p): p is string => typeof p === 'string').map((p) => new URL(p, modelUrl).href);
    if (typeof catalog === 'string') urls.push(new URL(catalog, location.href).href);
    // Low priority: the worker script and the WASM binary it boots with come first.
    await Promise.all(urls.map((url) => fetch(url, { priority: 'low' }).then(drain, () => undefined)));
  } catch {
    // The worker makes the same requests and reports what fails.
  }
}

const noStore = (response: Response) => /\bno-store\b/i.test(response.headers.get('cache-control') ?? '');

/**
 * Reads a body to its end without keeping it: the HTTP cache keeps it, this page does not. As a
 * Blob, which the browser holds outside the page's heap and main thread (piping the chunks
 * through a stream here cost the page long tasks), then let go.
 */
async function drain(response: Response): Promise<void> {
  if (noStore(response)) return void response.body?.cancel();
  await response.blob();
}
