/**
 * The URL of an API path (`/v1/...`) under a federation server's base URL, keeping the base's
 * own path: a server behind `https://shop.example/federation/` is asked at
 * `/federation/v1/...`, where `new URL('/v1/...', base)` would drop the prefix.
 */
export function serverUrl(base: string | URL, path: string): URL {
  const root = new URL(base);
  if (!root.pathname.endsWith('/')) root.pathname += '/';
  return new URL(path.replace(/^\/+/, ''), root);
}
