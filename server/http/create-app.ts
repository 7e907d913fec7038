import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { Advertise, CheckIn, Consistency, MaskedInput, ShareKeys, toBase64, Unmask } from '../../protocol/messages.js';
import type {
  AdvertisementEntry,
  Accepted,
  PrivacyReport,
  SharesReply,
  SurvivorsReply,
} from '../../protocol/responses.js';
import { ProtocolError } from '../rounds/protocol-error.js';
import type { RoundService } from '../rounds/round-service.js';
import type { RoundStore } from '../store/round-store.js';
import { allowCors } from './allow-cors.js';
import { holdParams, indexParam, optionalIndex, parseBody, type Query, versionParam } from './request-params.js';

const b64 = (b: Buffer) => toBase64(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

/** How the HTTP layer guards itself; every field has a production default. */
export interface AppOptions {
  /** Fastify's logger: `false` in tests and simulations, JSON lines (pino) in `server/main.ts`. */
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  corsOrigin?: string;
  /** The longest a client may take to send a whole request (ms): a body trickled in is cut off. */
  requestTimeoutMs?: number;
}

/**
 * The federation server's HTTP API (JSON over HTTPS in production, loopback in tests).
 * Bodies are validated with the shared zod schemas; any refusal is a 4xx with a message and
 * changes nothing stored.
 */
export function createApp(service: RoundService, store: RoundStore, options: AppOptions = {}): FastifyInstance {
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    // Receiving a request (headers and body) is bounded; an idle socket is closed, but only past
    // the longest long-poll hold, which sends nothing until it answers.
    requestTimeout,
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    http: { headersTimeout: Math.min(requestTimeout, 10_000) },
  });
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

  app.get('/health', async () => ({
    ok: true,
    modelVersion: store.latestModel()!.version,
    openRounds: store.openRounds().length,
    vectorLength: service.config.vectorLength,
  }));

  // Infinity (no DP, or no budget) is not JSON: it is reported as null.
  app.get('/v1/privacy', async (): Promise<PrivacyReport> => {
    const p = service.privacy();
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    return {
      epsilon: finite(p.epsilon),
      delta: p.delta,
      budget: finite(p.budget),
      rounds: p.rounds,
      noiseMultiplier: p.noiseMultiplier,
      nextRoundEpsilon: finite(p.projectedEpsilon),
    };
  });
  app.get('/v1/models/latest', async () => ({ version: store.latestModel()!.version }));
  app.get<{ Params: { version: string } }>('/v1/models/:version', async (request, reply) => {
    const model = store.model(versionParam(request.params.version));
    if (!model) throw new ProtocolError(404, `no model version ${request.params.version}`);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(model.params);
  });

  app.get('/v1/rounds', async () =>
    store.openRounds().map((r) => ({ round: r.id, phase: r.phase, modelVersion: r.model_version })),
  );
  app.post('/v1/checkin', async (request) => service.checkIn(parseBody(CheckIn, request.body)));
  app.get<{ Params: { round: string }; Querystring: Query }>('/v1/rounds/:round', async (request) => {
    const hold = holdParams(request.query);
    return hold
      ? service.roundInfoWhile(request.params.round, hold.phases, hold.holdMs)
      : service.roundInfo(request.params.round);
  });
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/advertise', async (request): Promise<Accepted> => {
    await service.advertise(request.params.round, parseBody(Advertise, request.body));
    return { accepted: true };
  });
  app.get<{ Params: { round: string }; Querystring: Query }>(
    '/v1/rounds/:round/advertisements',
    async (request): Promise<AdvertisementEntry[]> =>
      service.advertisements(request.params.round, optionalIndex(request.query)).map((a) => ({
        index: a.index,
        identityKey: b64(a.identityKey),
        cipherPublicKey: b64(a.cipherPublicKey),
        maskPublicKey: b64(a.maskPublicKey),
        signature: b64(a.signature),
      })),
  );
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/shares', async (request): Promise<Accepted> => {
    service.shareKeys(request.params.round, parseBody(ShareKeys, request.body));
    return { accepted: true };
  });
  app.get<{ Params: { round: string; index: string }; Headers: { authorization?: string } }>(
    '/v1/rounds/:round/shares/:index',
    async (request): Promise<SharesReply> => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      const { sharedKeys, bundles } = service.sharesFor(request.params.round, indexParam(request.params.index), token);
      return { sharedKeys, bundles: bundles.map((b) => ({ from: b.from, sealed: b64(b.sealed) })) };
    },
  );
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/masked', async (request): Promise<Accepted> => {
    service.maskedInput(request.params.round, parseBody(MaskedInput, request.body));
    return { accepted: true };
  });
  app.get<{ Params: { round: string }; Querystring: Query }>(
    '/v1/rounds/:round/survivors',
    async (request): Promise<SurvivorsReply> => {
      const { survivors, sharedKeys, signatures } = service.survivors(
        request.params.round,
        optionalIndex(request.query),
      );
      return {
        survivors,
        sharedKeys,
        signatures: signatures.map((s) => ({ index: s.index, signature: b64(s.signature) })),
      };
    },
  );
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/consistency', async (request): Promise<Accepted> => {
    service.consistency(request.params.round, parseBody(Consistency, request.body));
    return { accepted: true };
  });
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/unmask', async (request): Promise<Accepted> => {
    await service.unmask(request.params.round, parseBody(Unmask, request.body));
    return { accepted: true };
  });
  return app;
}
