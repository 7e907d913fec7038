/** `npm start`'s second half (after the build): the federation server and the demo shop both come up, and both stop. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { freePort, waitForOk } from '../../scripts/server-process.js';

const waitFor = (url: string) => waitForOk(url, 60_000, 100);

it('starts the federation server with the shipped model and the demo shop', async () => {
  const [shopPort, serverPort] = [await freePort(), await freePort()];
  const child = spawn(
    join('node_modules', '.bin', 'tsx'),
    ['scripts/start-demo.ts', '--port', String(shopPort), '--strictPort', '--host', '127.0.0.1'],
    {
      env: {
        ...process.env,
        POCKETRANK_PORT: String(serverPort),
        POCKETRANK_DATA_DIR: mkdtempSync(join(tmpdir(), 'pocketrank-start-')),
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  try {
    const health = (await (await waitFor(`http://127.0.0.1:${serverPort}/health`)).json()) as {
      ok: boolean;
      vectorLength: number;
    };
    expect(health.ok).toBe(true);
    expect(health.vectorLength).toBe(131_072); // the Beauty model's encoder and 1,208 item rows
    const page = await (await waitFor(`http://127.0.0.1:${shopPort}/demo/`)).text();
    expect(page).toContain('Glow &amp; Co.');
    for (let i = 0; i < 50 && !stdout.includes('/demo/'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain(`pocketrank demo shop: http://localhost:${shopPort}/demo/`);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise((resolve) => child.on('exit', resolve));
  expect(code === 0 || code === null).toBe(true);
}, 120_000);

it("says which flag to change when the federation server's port is taken", async () => {
  const port = await freePort();
  const taken = createServer().listen(port, '127.0.0.1');
  await new Promise((resolve) => taken.once('listening', resolve));
  try {
    const server = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/main.ts', '--port', String(port), '--open-admission', 'true'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => server.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port} on 127.0.0.1 is in use; choose another with --port or POCKETRANK_PORT`);
  } finally {
    taken.close();
  }
}, 60_000);
