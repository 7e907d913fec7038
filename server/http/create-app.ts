import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { ProtocolError } from '../rounds/protocol-error.js';
import type { RoundService } from '../rounds/round-service.js';
import type { RoundStore } from '../store/round-store.js';
import { allowCors } from './allow-cors.js';
import { apiRoutes } from './api-routes.js';

/** How the HTTP layer guards itself; every field has a production default. */
export interface AppOptions {
  /** Fastify's logger: `false` in tests and simulations, JSON lines (pino) in `server/main.ts`. */
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  corsOrigin?: string;
  /**
   * Socket and request timeouts (ms); default the server config's request timeout and a minute
   * idle. The simulation lifts both: its event loop, shared with thousands of clients, stalls.
   */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

/**
 * The federation server's HTTP API (JSON over HTTPS in production, loopback in tests).
 * Bodies are validated with the shared zod schemas; any refusal is a 4xx with a message and
 * changes nothing stored.
 */
export function createApp(service: RoundService, store: RoundStore, options: AppOptions = {}): FastifyInstance {
  const requestTimeout = options.requestTimeoutMs ?? service.config.requestTimeoutMs;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    // Receiving a request (headers and body) is bounded; an idle socket is closed, but only past
    // the longest long-poll hold, which sends nothing until it answers.
    requestTimeout,
    connectionTimeout: options.connectionTimeoutMs ?? 60_000,
    keepAliveTimeout: 5_000,
    // Node checks the request timeout only every connectionsCheckingInterval (default 30 s).
    http: { connectionsCheckingInterval: Math.min(1_000, requestTimeout) },
  });
  app.server.headersTimeout = requestTimeout;
  // Per-IP limits on what anyone may send without a ticket's cost: joining rounds and asking their status.
  void app.register(rateLimit, { global: false });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply: FastifyReply) => {
    if (error instanceof ProtocolError)
      return reply.status(error.status).send({ error: error.message, ...(error.code && { code: error.code }) });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      return reply.status(error.statusCode).send({ error: error.message });
    request.log.error({ err: error, url: request.url, method: request.method }, 'internal error');
    return reply.status(500).send({ error: 'internal error' });
  });
  allowCors(app, options.corsOrigin ?? '*');

  // Held status requests would keep close() waiting out their holds.
  app.addHook('preClose', async () => service.releaseHolds());

  // After the rate limiter has loaded, so its per-route limits see every route.
  void app.register(async (api) => apiRoutes(api, service, store));
  return app;
}
