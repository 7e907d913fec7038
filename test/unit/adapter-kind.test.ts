import { describe, expect, it } from 'vitest';
import { classifyAdapter, isSoftwareName } from '../../worker/adapter-kind.js';

describe('classifyAdapter', () => {
  it('treats SwiftShader, fallback adapters and CPU rasterizers as software', () => {
    expect(classifyAdapter({ vendor: 'google', architecture: 'swiftshader' }).isSoftware).toBe(true);
    expect(
      classifyAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).isSoftware,
    ).toBe(true);
    expect(classifyAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }).isSoftware).toBe(
      true,
    );
    expect(classifyAdapter({ vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: true }).isSoftware).toBe(
      true,
    );
  });

  it('treats real GPUs as hardware', () => {
    expect(
      classifyAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3080' }).isSoftware,
    ).toBe(false);
    expect(classifyAdapter({ vendor: 'apple', architecture: 'metal-3' }).isSoftware).toBe(false);
    expect(classifyAdapter({ vendor: 'intel', architecture: 'gen-12lp' }).isSoftware).toBe(false);
  });

  it('recognizes software WebGL renderer strings', () => {
    expect(
      isSoftwareName('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)'),
    ).toBe(true);
    expect(isSoftwareName('ANGLE (NVIDIA, NVIDIA GeForce GTX 1080 Direct3D11 vs_5_0 ps_5_0)')).toBe(false);
    expect(isSoftwareName(undefined)).toBe(false);
  });
});
