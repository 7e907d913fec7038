import type { AdapterInfo } from '../contract/types.js';

// Software rasterizers that expose WebGPU/WebGL on machines without a usable GPU.
const SOFTWARE_MARKERS = [
  'swiftshader',
  'llvmpipe',
  'softpipe',
  'lavapipe',
  'microsoft basic render',
  'warp',
  'software',
];

/** Raw fields read from a GPUAdapter (its `info` plus the older `isFallbackAdapter` flag). */
export interface RawAdapterFacts {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}

/** True when a renderer or adapter string names a CPU rasterizer rather than a GPU. */
export function isSoftwareName(...names: (string | undefined)[]): boolean {
  return names.some(
    (name) => name !== undefined && SOFTWARE_MARKERS.some((marker) => name.toLowerCase().includes(marker)),
  );
}

/** Classifies a WebGPU adapter: fallback adapters and CPU rasterizers are not a GPU. */
export function classifyAdapter(facts: RawAdapterFacts): AdapterInfo {
  const vendor = facts.vendor ?? '';
  const architecture = facts.architecture ?? '';
  const description = facts.description ?? facts.device ?? '';
  return {
    vendor,
    architecture,
    description,
    isSoftware: facts.isFallbackAdapter === true || isSoftwareName(vendor, architecture, description),
  };
}
