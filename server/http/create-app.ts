import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { z } from 'zod';
import {
  Advertise,
  CheckIn,
  Consistency,
  MaskedInput,
  type Phase,
  PHASES,
  ShareKeys,
  toBase64,
  Unmask,
} from '../../protocol/messages.js';
import type {
  AdvertisementEntry,
  Accepted,
  PrivacyReport,
  SharesReply,
  SurvivorsReply,
} from '../../protocol/responses.js';
import { MAX_HOLD_MS } from '../rounds/phase-watch.js';
import { ProtocolError } from '../rounds/protocol-error.js';
import type { RoundService } from '../rounds/round-service.js';
import type { RoundStore } from '../store/round-store.js';

const b64 = (b: Buffer) => toBase64(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

/** Parses a body against a schema; a failure is a 400 naming the first bad field. */
function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ProtocolError(400, `invalid request: ${issue.path.join('.') || 'body'} ${issue.message}`);
  }
  return result.data;
}

/** A client index from a query string; anything else is a 400. */
function indexParam(raw: string): number {
  const index = Number(raw);
  if (!/^[0-9]{1,6}$/.test(raw) || index < 1)
    throw new ProtocolError(400, `invalid request: index must be a positive integer; got "${raw.slice(0, 20)}"`);
  return index;
}

/**
 * `?while=<phase>,<phase>&wait=<ms>` of a round's status: answer once the round has left those
 * phases, holding the request up to `wait` (default and cap MAX_HOLD_MS). Undefined: answer now.
 */
function holdParams(query: { while?: string; wait?: string }): { phases: Phase[]; holdMs: number } | undefined {
  if (query.while === undefined) return undefined;
  const phases = query.while.split(',');
  const unknown = phases.find((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown !== undefined)
    throw new ProtocolError(
      400,
      `invalid request: while names no phase "${unknown.slice(0, 20)}"; phases are ${PHASES.join(', ')}`,
    );
  if (query.wait !== undefined && !/^[0-9]{1,9}$/.test(query.wait))
    throw new ProtocolError(
      400,
      `invalid request: wait must be milliseconds, a non-negative integer; got "${query.wait.slice(0, 20)}"`,
    );
  return { phases: phases as Phase[], holdMs: query.wait === undefined ? MAX_HOLD_MS : Number(query.wait) };
}

/**
 * The federation server's HTTP API (JSON over HTTPS in production, loopback in tests).
 * Bodies are validated with the shared zod schemas; any refusal is a 4xx with a message and
 * changes nothing stored.
 */
export function createApp(
  service: RoundService,
  store: RoundStore,
  options: { logger?: boolean; bodyLimit?: number; corsOrigin?: string } = {},
): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024 });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply: FastifyReply) => {
    if (error instanceof ProtocolError)
      return reply.status(error.status).send({ error: error.message, ...(error.code && { code: error.code }) });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      return reply.status(error.statusCode).send({ error: error.message });
    app.log.error(error);
    return reply.status(500).send({ error: 'internal error' });
  });

  // Browsers call from the shop's origin; nothing here relies on cookies, so a configurable
  // allow-origin (default any) is safe, and preflights are answered without touching state.
  const allowOrigin = options.corsOrigin ?? '*';
  app.addHook('onRequest', async (request, reply) => {
    reply.header('access-control-allow-origin', allowOrigin);
    reply.header('vary', 'origin');
    if (request.method === 'OPTIONS') {
      return reply
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'content-type, authorization')
        .header('access-control-max-age', '600')
        .status(204)
        .send();
    }
    return undefined;
  });

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
    const model = store.model(Number(request.params.version));
    if (!model) throw new ProtocolError(404, `no model version ${request.params.version}`);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(model.params);
  });

  app.get('/v1/rounds', async () =>
    store.openRounds().map((r) => ({ round: r.id, phase: r.phase, modelVersion: r.model_version })),
  );
  app.post('/v1/checkin', async (request) => service.checkIn(parse(CheckIn, request.body)));
  app.get<{ Params: { round: string }; Querystring: { while?: string; wait?: string } }>(
    '/v1/rounds/:round',
    async (request) => {
      const hold = holdParams(request.query);
      return hold
        ? service.roundInfoWhile(request.params.round, hold.phases, hold.holdMs)
        : service.roundInfo(request.params.round);
    },
  );
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/advertise', async (request): Promise<Accepted> => {
    service.advertise(request.params.round, parse(Advertise, request.body));
    return { accepted: true };
  });
  app.get<{ Params: { round: string }; Querystring: { index?: string } }>(
    '/v1/rounds/:round/advertisements',
    async (request): Promise<AdvertisementEntry[]> =>
      service
        .advertisements(
          request.params.round,
          request.query.index === undefined ? undefined : indexParam(request.query.index),
        )
        .map((a) => ({
          index: a.index,
          identityKey: b64(a.identityKey),
          cipherPublicKey: b64(a.cipherPublicKey),
          maskPublicKey: b64(a.maskPublicKey),
          signature: b64(a.signature),
        })),
  );
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/shares', async (request): Promise<Accepted> => {
    service.shareKeys(request.params.round, parse(ShareKeys, request.body));
    return { accepted: true };
  });
  app.get<{ Params: { round: string; index: string }; Headers: { authorization?: string } }>(
    '/v1/rounds/:round/shares/:index',
    async (request): Promise<SharesReply> => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      const { sharedKeys, bundles } = service.sharesFor(request.params.round, Number(request.params.index), token);
      return { sharedKeys, bundles: bundles.map((b) => ({ from: b.from, sealed: b64(b.sealed) })) };
    },
  );
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/masked', async (request): Promise<Accepted> => {
    service.maskedInput(request.params.round, parse(MaskedInput, request.body));
    return { accepted: true };
  });
  app.get<{ Params: { round: string }; Querystring: { index?: string } }>(
    '/v1/rounds/:round/survivors',
    async (request): Promise<SurvivorsReply> => {
      const { survivors, sharedKeys, signatures } = service.survivors(
        request.params.round,
        request.query.index === undefined ? undefined : indexParam(request.query.index),
      );
      return {
        survivors,
        sharedKeys,
        signatures: signatures.map((s) => ({ index: s.index, signature: b64(s.signature) })),
      };
    },
  );
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/consistency', async (request): Promise<Accepted> => {
    service.consistency(request.params.round, parse(Consistency, request.body));
    return { accepted: true };
  });
  app.post<{ Params: { round: string } }>('/v1/rounds/:round/unmask', async (request): Promise<Accepted> => {
    await service.unmask(request.params.round, parse(Unmask, request.body));
    return { accepted: true };
  });
  return app;
}
