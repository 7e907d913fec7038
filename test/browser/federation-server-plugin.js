// A @web/test-runner plugin: starts the real federation server (tsx server/main.ts) on a free
// loopback port for the browser tests, and a second one with DP that federates only the model's
// dpCoordinates, and tells pages where they are at /__federation.json ({ url, dpUrl }).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../../scripts/server-process.js';

export function startFederationServer() {
  let child;
  let dpChild;
  let url;
  let dpUrl;
  return {
    name: 'pocketrank-federation-server',
    async serverStart() {
      const dataDir = mkdtempSync(join(tmpdir(), 'pocketrank-wtr-'));
      const model = ['--initial-model', 'test/fixtures/generated/model/model.json'];
      // The browser tests' own devices, all at once: no tickets, and the first three form the cohort.
      const open = ['--open-admission', 'true', '--cohort-pool', '1'];
      ({ url, child } = await startServerProcess(
        ['--data-dir', dataDir, '--min-clients', '3', '--max-clients', '3', '--clip', '1000', ...open, ...model],
        { timeoutMs: 15_000 },
      ));
      const dpDir = mkdtempSync(join(tmpdir(), 'pocketrank-wtr-dp-'));
      ({ url: dpUrl, child: dpChild } = await startServerProcess(
        [
          '--data-dir',
          dpDir,
          '--min-clients',
          '3',
          '--max-clients',
          '3',
          '--clip',
          '1',
          '--noise-multiplier',
          '1',
          '--population',
          '100',
          '--epsilon-budget',
          '50',
          '--dp-coordinates',
          'true',
          ...open,
          ...model,
        ],
        { timeoutMs: 15_000 },
      ));
    },
    serve(context) {
      if (context.path === '/__federation.json') return { body: JSON.stringify({ url, dpUrl }), type: 'json' };
      return undefined;
    },
    async serverStop() {
      child?.kill('SIGTERM');
      dpChild?.kill('SIGTERM');
    },
  };
}
