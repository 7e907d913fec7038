// A @web/test-runner plugin: starts the real federation server (tsx server/main.ts) on a free
// loopback port for the browser tests and tells pages where it is at /__federation.json.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../../scripts/server-process.js';

export function startFederationServer() {
  let child;
  let url;
  return {
    name: 'pocketrank-federation-server',
    async serverStart() {
      const dataDir = mkdtempSync(join(tmpdir(), 'pocketrank-wtr-'));
      ({ url, child } = await startServerProcess(['--data-dir', dataDir, '--min-clients', '3', '--max-clients', '3', '--clip', '1000', '--initial-model', 'test/fixtures/generated/model/model.json'], { timeoutMs: 15_000 }));
    },
    serve(context) {
      if (context.path === '/__federation.json') return { body: JSON.stringify({ url }), type: 'json' };
      return undefined;
    },
    async serverStop() {
      child?.kill('SIGTERM');
    },
  };
}
