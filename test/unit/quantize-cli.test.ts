import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { parseModelMetadata } from '../../models/sasrec/model-metadata.js';
import { findEncoder } from '../../models/sasrec/sasrec-encoder.js';

const run = promisify(execFile);

describe('npm run quantize', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('rewrites float32 weights as uint8 per tensor: a quarter of the bytes, each value within half a step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-quantize-'));
    await cp('test/fixtures/generated/model', dir, { recursive: true });
    const before = await loadModelFromDisk(join(dir, 'model.json'));
    const bytesBefore = (await readFile(join(dir, 'weights.bin'))).byteLength;
    await run('npx', ['tsx', 'models/cli/quantize.ts', '--model', dir, '--precision', 'uint8']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const specs = json.weightsManifest[0].weights as { quantization?: { dtype: string; scale: number } }[];
    expect(specs.every((s) => s.quantization?.dtype === 'uint8')).toBe(true);
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(bytesBefore / 4);
    const after = await loadModelFromDisk(join(dir, 'model.json'));
    const meta = [before, after].map((m) => parseModelMetadata(m.getUserDefinedMetadata()));
    expect(meta[1]).toEqual(meta[0]);
    const [w0, w1] = [before, after].map((m) =>
      findEncoder(m)!
        .getWeights()
        .map((w) => w.dataSync()),
    );
    w0!.forEach((values, t) => {
      const half = specs[t]!.quantization!.scale / 2 + 1e-6;
      values.forEach((v, i) => expect(Math.abs(v - w1![t]![i]!)).toBeLessThanOrEqual(half));
    });
  });

  it('refuses an unknown precision without touching the model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pocketrank-quantize-'));
    await cp('test/fixtures/generated/model', dir, { recursive: true });
    const weights = await readFile(join(dir, 'weights.bin'));
    const failed = await run('npx', ['tsx', 'models/cli/quantize.ts', '--model', dir, '--precision', 'int4']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/--precision float32\|float16\|uint8/);
    expect(await readFile(join(dir, 'weights.bin'))).toEqual(weights);
  });
});
