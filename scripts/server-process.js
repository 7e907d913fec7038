// Starting the federation server as a child process, for tests and benchmarks. Plain JS with a
// .d.ts beside it, so both the TypeScript callers and the @web/test-runner plugin can use it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A loopback port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with the first OK response from `url`, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitForOk(url, timeoutMs, intervalMs = 50) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return response;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * Runs `server/main.ts` on `port` (a free one when omitted) with `flags`; resolves once /health
 * answers. Node itself runs the server, with tsx only as its loader, so the child's pid is the
 * server's: a SIGKILL reaches it (not a wrapper that would leave it running) and its CPU time is its own.
 */
export async function startServerProcess(flags, { port, timeoutMs = 15_000 } = {}) {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', String(listenOn), ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // The last of its stderr, to say why a server that exits before answering did (a bad flag, say).
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => {
      const lines = stderr.trim().split('\n');
      const cause = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.at(-1);
      reject(new Error(`it exited with code ${code}: ${cause}`));
    }),
  );
  const url = `http://127.0.0.1:${listenOn}`;
  try {
    await Promise.race([waitForOk(`${url}/health`, timeoutMs), exited]);
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`the federation server did not start: ${error.message}`);
  }
  exited.catch(() => undefined);
  return { url, child };
}
