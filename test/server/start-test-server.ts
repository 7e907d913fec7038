import { createApp } from '../../server/http/create-app.js';
import { RoundService } from '../../server/rounds/round-service.js';
import { DEFAULT_CONFIG, type ServerConfig } from '../../server/rounds/server-config.js';
import { RoundStore } from '../../server/store/round-store.js';
import { testDatabase } from './test-database.js';

/**
 * A real federation server on an ephemeral loopback port, with its deadline clock running, on
 * SQLite in memory or a fresh PostgreSQL database (see testDatabase).
 */
export async function startTestServer(
  overrides: Partial<ServerConfig>,
  initialParams?: Float32Array,
): Promise<{ url: string; store: RoundStore; service: RoundService; stop: () => Promise<void> }> {
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
  const store = await RoundStore.open(database.location);
  const service = await RoundService.create(store, config, Date.now, () => undefined, initialParams);
  const app = createApp(service, store);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const timer = setInterval(() => void service.tick(), 100);
  const { port } = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    service,
    stop: async () => {
      clearInterval(timer);
      await app.close();
      await service.stop();
      await store.close();
      await database.drop();
    },
  };
}
