/**
 * The custom tfjs build experiment: bundles tfjs as the worker ships it (all backends, all
 * kernels) and tfjs with the WASM backend and only the kernels pocketrank runs, minified, and
 * compares brotli sizes. check-custom.ts proves the custom build runs the whole workload.
 */
import { execFileSync } from 'node:child_process';
import { brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';

async function bundleSize(entry: string): Promise<{ raw: number; brotli: number }> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto'],
  });
  const code = out.outputFiles[0]!.contents;
  return {
    raw: code.length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** Sizes of both builds, and whether the custom one ran pocketrank's workload. */
export async function measureCustomTfjs(): Promise<{
  full: { raw: number; brotli: number };
  custom: { raw: number; brotli: number };
  custom_runs: boolean;
  kernels: number;
}> {
  const [full, custom] = await Promise.all([
    bundleSize('bench/custom-tfjs/full-tfjs.ts'),
    bundleSize('bench/custom-tfjs/custom-entry.ts'),
  ]);
  const check = execFileSync('node_modules/.bin/tsx', ['bench/custom-tfjs/check-custom.ts'], { encoding: 'utf8' });
  const result = JSON.parse(check.trim().split('\n').pop()!) as { ok: boolean; kernels: number };
  return { full, custom, custom_runs: result.ok, kernels: result.kernels };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureCustomTfjs());
