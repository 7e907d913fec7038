import type { FastifyInstance } from 'fastify';

/**
 * Browsers call from the shop's origin; nothing here relies on cookies, so a configurable
 * allow-origin (default any) is safe. Preflights are answered, without touching state, for the
 * API's own routes only: an unknown path is a 404 with no CORS headers, like any other request.
 */
export function allowCors(app: FastifyInstance, allowOrigin: string): void {
  const paths = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.method !== 'OPTIONS' && !paths.has(route.url)) {
      paths.add(route.url);
      app.options(route.url, async (_request, reply) =>
        reply
          .header('access-control-allow-methods', 'GET, POST')
          .header('access-control-allow-headers', 'content-type, authorization')
          .header('access-control-max-age', '600')
          .status(204)
          .send(),
      );
    }
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.is404) return;
    reply.header('access-control-allow-origin', allowOrigin);
    reply.header('vary', 'origin');
  });
}
