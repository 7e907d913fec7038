import { execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { federatedPartOf } from '../../server/rounds/initial-model.js';
import { readPublicSubspace } from '../../server/rounds/public-subspace.js';

const run = promisify(execFile);
const FIXTURE = 'test/fixtures/generated/model/model.json';
const tsx = join('node_modules', '.bin', 'tsx');

describe('npm run dp-subspace, and a server started with its basis', () => {
  it('writes an orthonormal rank-r basis of the model\'s federated vector that the server loads and announces', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dp-subspace-'));
    // The fixture's training data: walks around its ring of 60 items, so every item occurs.
    const lines = Array.from({ length: 40 }, (_, u) => `u${u} ${Array.from({ length: 4 + (u % 5) }, (_, k) => `sku-${String(((u * 3 + k) % 60) + 1).padStart(2, '0')}`).join(' ')}`);
    lines.push(`all ${Array.from({ length: 60 }, (_, i) => `sku-${String(i + 1).padStart(2, '0')}`).join(' ')}`);
    await writeFile(join(dir, 'data.txt'), `${lines.join('\n')}\n`);
    const out = join(dir, 'basis.f32');
    const { stdout } = await run(tsx, ['models/cli/dp-subspace.ts', '--model', FIXTURE, '--data', join(dir, 'data.txt'), '--out', out, '--rank', '4', '--users', '30', '--clip', '1']);
    expect(stdout).toMatch(/rank-4 public subspace/);
    const length = (await federatedPartOf(FIXTURE)).length;
    const subspace = await readPublicSubspace(out, length);
    expect(subspace.rank).toBe(4);
    // Data that is not the model's (another catalog) is refused.
    await writeFile(join(dir, 'other.txt'), 'u1 a b c\nu2 b c d\n');
    await expect(run(tsx, ['models/cli/dp-subspace.ts', '--model', FIXTURE, '--data', join(dir, 'other.txt'), '--out', out])).rejects.toThrow(/not its training data/);
    // The server reads the basis at start-up and says so.
    const server = spawn(tsx, ['server/main.ts', '--port', '0', '--data-dir', ':memory:', '--initial-model', FIXTURE, '--dp-subspace', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let text = '';
        server.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const line = text.split('\n').find((l) => l.includes('"listening"'));
          if (line) resolve(JSON.parse(line) as Record<string, unknown>);
        });
        server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      expect(listening.subspaceRank).toBe(4);
    } finally {
      server.kill('SIGTERM');
    }
  }, 120_000);
});
