import { createApp } from '../../server/http/create-app.js';
import { RoundService } from '../../server/rounds/round-service.js';
import { DEFAULT_CONFIG, type ServerConfig } from '../../server/rounds/server-config.js';
import { RoundStore } from '../../server/store/round-store.js';
import { roundRobinProxy } from '../../scripts/round-robin-proxy.js';
import { testDatabase } from './test-database.js';

/** One server instance: its own store connection, service and HTTP app. */
async function startInstance(
  config: ServerConfig,
  location: Awaited<ReturnType<typeof testDatabase>>['location'],
  initialParams: Float32Array | undefined,
  log: (event: string, fields: Record<string, unknown>) => void,
) {
  const store = await RoundStore.open(location);
  const service = await RoundService.create(store, config, Date.now, log, initialParams);
  const app = createApp(service, store);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const timer = setInterval(() => void service.tick().catch(() => undefined), 100);
  const { port } = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    stop: async () => {
      clearInterval(timer);
      await app.close();
      await service.stop();
      await store.close();
    },
  };
}

/**
 * A real federation server on an ephemeral loopback port, with its deadline clock running, on
 * SQLite in memory or a fresh PostgreSQL database (see testDatabase). With PostgreSQL and
 * POCKETRANK_TEST_SERVERS=n, n server instances share the database behind a round-robin proxy,
 * so every test's clients spread each round's requests over all of them.
 */
export async function startTestServer(
  overrides: Partial<ServerConfig>,
  initialParams?: Float32Array,
  /** `instances: 1` for what one process does on its own (its per-IP limiter, its shutdown); `log` sees the servers' events. */
  options: { instances?: number; log?: (event: string, fields: Record<string, unknown>) => void } = {},
): Promise<{ url: string; store: RoundStore; stop: () => Promise<void> }> {
  // Every test client calls from 127.0.0.1: the per-IP limits are off unless a test sets them. Admission
  // is open and the cohort is the first maxClients to arrive, unless a test asks for tickets or a draw.
  const config = {
    ...DEFAULT_CONFIG,
    dataDir: ':memory:',
    checkinsPerMinute: 0,
    statusPerMinute: 0,
    openAdmission: true,
    cohortPool: 1,
    ...overrides,
  };
  const database = await testDatabase();
  const count = options.instances ?? Number(process.env.POCKETRANK_TEST_SERVERS ?? 1);
  if (count > 1 && !database.location.database)
    throw new Error('POCKETRANK_TEST_SERVERS > 1 needs POCKETRANK_TEST_POSTGRES: SQLite serves one process');
  const instances: Awaited<ReturnType<typeof startInstance>>[] = [];
  for (let i = 0; i < count; i++)
    instances.push(await startInstance(config, database.location, initialParams, options.log ?? (() => undefined)));
  const proxy = count > 1 ? await roundRobinProxy(instances.map((s) => s.url)) : undefined;
  return {
    url: proxy?.url ?? instances[0]!.url,
    store: instances[0]!.store,
    stop: async () => {
      await proxy?.close();
      for (const s of instances) await s.stop();
      await database.drop();
    },
  };
}
