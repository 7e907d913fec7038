/**
 * npm run server [-- --port 8787 --data-dir .pocketrank-server --min-clients 3 ...]
 * Starts the federation server with its embedded SQLite store; no other setup. With
 * `--database postgres://…` (or POCKETRANK_DATABASE_URL) state is in PostgreSQL instead, and any
 * number of these processes, behind one load balancer, serve the same rounds.
 */
import { createApp } from './http/create-app.js';
import { federatedPartOf } from './rounds/initial-model.js';
import { RoundService } from './rounds/round-service.js';
import { readConfig } from './rounds/server-config.js';
import { RoundStore } from './store/round-store.js';

const config = readConfig(process.argv.slice(2), process.env);
const initialParams = config.initialModel
  ? await federatedPartOf(config.initialModel, { dpCoordinates: config.dpCoordinates })
  : undefined;
if (initialParams) config.vectorLength = initialParams.length;
const store = await RoundStore.open(config);
const log = (event: string, fields: Record<string, unknown>) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
const service = await RoundService.create(store, config, Date.now, log, initialParams);
// JSON lines (pino): every 5xx with its stack; POCKETRANK_LOG_LEVEL=info adds one line per request.
const app = createApp(service, store, { logger: { level: process.env.POCKETRANK_LOG_LEVEL ?? 'warn' } });
// Deadlines advance on a clock; a restart resumes every open round from the store.
await service.tick();
const timer = setInterval(
  () => void service.tick().catch((error: unknown) => log('tick_failed', { error: String(error) })),
  250,
);
try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  console.error(
    `pocketrank server: port ${config.port} on ${config.host} is in use; choose another with --port or POCKETRANK_PORT`,
  );
  process.exit(1);
}
log('listening', {
  url: `http://${config.host}:${(app.server.address() as { port: number }).port}`,
  ...(config.database ? { database: 'postgres' } : { dataDir: config.dataDir }),
  process: service.processId,
  modelVersion: (await store.latestModel())!.version,
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    clearInterval(timer);
    void app
      .close()
      .then(() => service.stop())
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
