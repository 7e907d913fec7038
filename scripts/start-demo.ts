/**
 * npm start: the federation server (seeded with the shipped model, DP on, a privacy budget) and
 * the demo shop's dev server, together; Ctrl-C stops both. Extra arguments go to vite (e.g.
 * `--port 8080`); the server takes POCKETRANK_* environment variables (e.g. POCKETRANK_PORT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const bin = (name: string) => join('node_modules', '.bin', name);
const children: ChildProcess[] = [];
const start = (command: string, args: string[]) => {
  const child = spawn(command, args, { stdio: 'inherit' });
  children.push(child);
  child.on('exit', (code) => {
    // One side dying leaves a half-working demo: stop everything.
    if (code !== 0 && code !== null) stop(code);
  });
  return child;
};
const stop = (code = 0) => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(code);
};
process.on('SIGINT', () => stop());
process.on('SIGTERM', () => stop());

start(bin('tsx'), [
  'server/main.ts',
  '--initial-model',
  'models/beauty/model.json',
  '--min-clients',
  '3',
  '--max-clients',
  '8',
  '--clip',
  '10',
  '--noise-multiplier',
  '0.7',
  '--optimizer',
  'fedadam',
  '--server-learning-rate',
  '0.0003',
  '--population',
  '1000',
  '--epsilon-budget',
  '8',
  '--phase-deadline-ms',
  '5000',
  // The demo shop has no accounts to vouch for its shoppers: a real shop issues tickets
  // (examples/ticket-endpoint.ts) and starts the server with --admission-key instead.
  '--open-admission',
  'true',
]);
start(bin('vite'), ['--mode', 'demo', ...process.argv.slice(2)]);
