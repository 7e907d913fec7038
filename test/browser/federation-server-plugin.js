// A @web/test-runner plugin: starts the real federation server (tsx server/main.ts) on a free
// loopback port for the browser tests and tells pages where it is at /__federation.json.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

export function startFederationServer() {
  let child;
  let url;
  return {
    name: 'pocketrank-federation-server',
    async serverStart() {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'pocketrank-wtr-'));
      child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', String(port), '--data-dir', dataDir, '--min-clients', '3', '--max-clients', '3', '--clip', '1000', '--initial-model', 'test/fixtures/generated/model/model.json'], { stdio: 'ignore' });
      url = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 300; i++) {
        try {
          if ((await fetch(`${url}/health`)).ok) return;
        } catch {
          // starting
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the federation server did not start');
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
