import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { PocketrankError } from '../contract/pocketrank-error.js';
import type { AdapterInfo, BackendName, BackendPreference } from '../contract/types.js';
import { classifyAdapter, isSoftwareName, type RawAdapterFacts } from './adapter-kind.js';

/** The backend the engine runs on, and why. */
export interface BackendChoice {
  backend: BackendName;
  reason: string;
  adapter?: AdapterInfo;
}

async function probeWebGpu(): Promise<AdapterInfo | undefined> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return undefined;
    // GPUAdapterInfo fields are prototype getters: read them one by one, a spread copies nothing.
    const info: RawAdapterFacts = (adapter as GPUAdapter & { info?: RawAdapterFacts }).info ?? {};
    const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
    return classifyAdapter({
      vendor: info.vendor,
      architecture: info.architecture,
      description: info.description,
      device: info.device,
      isFallbackAdapter: info.isFallbackAdapter ?? legacyFallback,
    });
  } catch {
    return undefined;
  }
}

function webglRenderer(): string | undefined {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return undefined;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer;
  } catch {
    return undefined;
  }
}

// WASM is what CPU-only devices run, so it is in the worker bundle; the GPU backends and the
// pure-JS fallback are separate chunks fetched only when chosen, which keeps ~1 MB of script
// that most starts never run out of the worker's start-up.
const LAZY_BACKENDS: Partial<Record<BackendName, () => Promise<unknown>>> = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
};

async function start(name: BackendName): Promise<boolean> {
  try {
    await LAZY_BACKENDS[name]?.();
    // setBackend reports failure by returning false, not by throwing.
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    // A backend can initialize and still fail its first kernel (lost device, missing WASM file).
    const probe = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
    const value = (await probe.data())[0];
    probe.dispose();
    return value === 12;
  } catch {
    return false;
  }
}

/**
 * Starts a tfjs backend. `'auto'` tries WebGPU, WebGL, WASM, CPU but skips GPU backends that run
 * on a software rasterizer: on a CPU, single-threaded WASM SIMD beats an emulated GPU. A forced
 * backend that cannot start rejects with `backend_unavailable`.
 */
export async function selectBackend(preference: BackendPreference, wasmPaths: string): Promise<BackendChoice> {
  setWasmPaths(wasmPaths);
  const adapter = await probeWebGpu();
  if (preference !== 'auto') {
    if (await start(preference))
      return { backend: preference, reason: 'requested by options.backend', ...(adapter && { adapter }) };
    throw new PocketrankError('backend_unavailable', `the ${preference} backend could not start in this browser`);
  }
  const skipped: string[] = [];
  if (!adapter) skipped.push('no webgpu adapter');
  else if (adapter.isSoftware)
    skipped.push(`webgpu adapter is software (${adapter.architecture || adapter.description || adapter.vendor})`);
  else if (await start('webgpu'))
    return {
      backend: 'webgpu',
      reason: `hardware webgpu adapter (${adapter.vendor} ${adapter.architecture})`.trim(),
      adapter,
    };
  else skipped.push('webgpu failed to start');
  const renderer = webglRenderer();
  if (!renderer) skipped.push('no webgl2');
  else if (isSoftwareName(renderer)) skipped.push(`webgl renderer is software (${renderer})`);
  else if (await start('webgl'))
    return {
      backend: 'webgl',
      reason: `${skipped.join('; ')}; hardware webgl (${renderer})`,
      ...(adapter && { adapter }),
    };
  else skipped.push('webgl failed to start');
  for (const name of ['wasm', 'cpu'] as const) {
    if (await start(name)) return { backend: name, reason: skipped.join('; '), ...(adapter && { adapter }) };
    skipped.push(`${name} failed to start`);
  }
  throw new PocketrankError('backend_unavailable', `no tfjs backend could start: ${skipped.join('; ')}`);
}
