import type { FastifyInstance } from 'fastify';
import { Advertise, CheckIn, Consistency, MaskedInput, ShareKeys, toBase64, Unmask } from '../../protocol/messages.js';
import type {
  AdvertisementEntry,
  Accepted,
  CohortSeat,
  ExperimentReport,
  PrivacyReport,
  SharesReply,
  SurvivorsReply,
} from '../../protocol/responses.js';
import { ProtocolError } from '../rounds/protocol-error.js';
import type { RoundService } from '../rounds/round-service.js';
import type { RoundStore } from '../store/round-store.js';
import { holdParams, indexParam, optionalIndex, parseBody, type Query, versionParam } from './request-params.js';

/** The token of an `Authorization: Bearer <token>` header ('' when there is none). */
const bearer = (header: string | undefined) => (header ?? '').replace(/^Bearer /, '');

const b64 = (b: Buffer) => toBase64(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

/**
 * The API's routes, on `api` (a Fastify context in which the rate limiter is loaded). Bodies are
 * parsed with the shared zod schemas; every reply type is written once in protocol/responses.ts.
 */
export function apiRoutes(api: FastifyInstance, service: RoundService, store: RoundStore): void {
  const perMinute = (max: number) => (max > 0 ? { config: { rateLimit: { max, timeWindow: 60_000 } } } : {});
  api.get('/health', async () => ({
    ok: true,
    modelVersion: (await store.latestModel())!.version,
    openRounds: (await store.openRounds()).length,
    vectorLength: service.config.vectorLength,
    // Which server process answered: behind a load balancer, several share one database.
    process: service.processId,
  }));

  // Infinity (no DP, or no budget) is not JSON: it is reported as null.
  api.get('/v1/privacy', async (): Promise<PrivacyReport> => {
    const p = await service.privacy();
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
  api.get<{ Params: { id: string } }>('/v1/experiments/:id', async (request): Promise<ExperimentReport> => {
    if (!/^[\w.-]{1,64}$/.test(request.params.id))
      throw new ProtocolError(400, 'invalid request: an experiment id is 1 to 64 letters, digits, . _ -');
    return service.experiment(request.params.id);
  });
  api.get('/v1/models/latest', async () => ({ version: (await store.latestModel())!.version }));
  api.get<{ Params: { version: string } }>('/v1/models/:version', async (request, reply) => {
    const model = await store.model(versionParam(request.params.version));
    if (!model) throw new ProtocolError(404, `no model version ${request.params.version}`);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(model.params);
  });

  api.get('/v1/rounds', async () =>
    (await store.openRounds()).map((r) => ({ round: r.id, phase: r.phase, modelVersion: r.model_version })),
  );
  api.post('/v1/checkin', perMinute(service.config.checkinsPerMinute), async (request) =>
    service.checkIn(parseBody(CheckIn, request.body)),
  );
  api.get<{ Params: { round: string }; Querystring: Query }>(
    '/v1/rounds/:round',
    perMinute(service.config.statusPerMinute),
    async (request) => {
      const hold = holdParams(request.query);
      return hold
        ? service.roundInfoWhile(request.params.round, hold.phases, hold.holdMs)
        : service.roundInfo(request.params.round);
    },
  );
  api.get<{ Params: { round: string }; Headers: { authorization?: string } }>(
    '/v1/rounds/:round/me',
    async (request): Promise<CohortSeat> => service.seat(request.params.round, bearer(request.headers.authorization)),
  );
  api.post<{ Params: { round: string } }>('/v1/rounds/:round/advertise', async (request): Promise<Accepted> => {
    await service.advertise(request.params.round, parseBody(Advertise, request.body));
    return { accepted: true };
  });
  api.get<{ Params: { round: string }; Querystring: Query }>(
    '/v1/rounds/:round/advertisements',
    async (request): Promise<AdvertisementEntry[]> =>
      (await service.advertisements(request.params.round, optionalIndex(request.query))).map((a) => ({
        index: a.index,
        identityKey: b64(a.identityKey),
        cipherPublicKey: b64(a.cipherPublicKey),
        maskPublicKey: b64(a.maskPublicKey),
        signature: b64(a.signature),
      })),
  );
  api.post<{ Params: { round: string } }>('/v1/rounds/:round/shares', async (request): Promise<Accepted> => {
    await service.shareKeys(request.params.round, parseBody(ShareKeys, request.body));
    return { accepted: true };
  });
  api.get<{ Params: { round: string; index: string }; Headers: { authorization?: string } }>(
    '/v1/rounds/:round/shares/:index',
    async (request): Promise<SharesReply> => {
      const { sharedKeys, bundles } = await service.sharesFor(
        request.params.round,
        indexParam(request.params.index),
        bearer(request.headers.authorization),
      );
      return { sharedKeys, bundles: bundles.map((b) => ({ from: b.from, sealed: b64(b.sealed) })) };
    },
  );
  api.post<{ Params: { round: string } }>('/v1/rounds/:round/masked', async (request): Promise<Accepted> => {
    await service.maskedInput(request.params.round, parseBody(MaskedInput, request.body));
    return { accepted: true };
  });
  api.get<{ Params: { round: string }; Querystring: Query }>(
    '/v1/rounds/:round/survivors',
    async (request): Promise<SurvivorsReply> => {
      const { survivors, sharedKeys, signatures } = await service.survivors(
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
  api.post<{ Params: { round: string } }>('/v1/rounds/:round/consistency', async (request): Promise<Accepted> => {
    await service.consistency(request.params.round, parseBody(Consistency, request.body));
    return { accepted: true };
  });
  api.post<{ Params: { round: string } }>('/v1/rounds/:round/unmask', async (request): Promise<Accepted> => {
    await service.unmask(request.params.round, parseBody(Unmask, request.body));
    return { accepted: true };
  });
}
