/**
 * Which WebGPU adapter ibc takes: software adapters (SwiftShader, lavapipe) are
 * recognised from Dawn's adapter info and from Vulkan driver manifests, and
 * `auto` never runs on one, neither by the manifests nor by the adapter Dawn
 * offers.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAdapter, formatAdapter, vulkanDrivers, SWIFTSHADER_ICD, type GpuAdapterLike, type GpuAdapterInfoLike } from '../../../../../src/runtime/engine/backends/webgpu/adapter.js';
import { startWebgpu } from '../../../../../src/runtime/engine/backends/webgpu/backend.js';
import { selectBackend, releaseBackend } from '../../../../../src/runtime/engine/backends/select.js';

function adapterWith(info: GpuAdapterInfoLike): GpuAdapterLike {
  return { info, features: { has: () => false }, limits: {}, requestDevice: () => Promise.reject(new Error('not in this test')) };
}

describe('adapter description', () => {
  it("SwiftShader, as Dawn reports it, is a software adapter", () => {
    const d = describeAdapter(adapterWith({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }));
    expect(d).toEqual({ name: 'SwiftShader driver 5.0.0', vendor: 'google', architecture: 'swiftshader', software: true });
    expect(formatAdapter(d)).toBe('SwiftShader driver 5.0.0 (google, swiftshader; software: runs on the CPU)');
  });

  it('lavapipe is software even when the fallback flag is missing; an NVIDIA GPU is not', () => {
    expect(describeAdapter(adapterWith({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: '' })).software).toBe(true);
    const nvidia = describeAdapter(adapterWith({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 550.54.15', isFallbackAdapter: false }));
    expect(nvidia).toEqual({ name: 'NVIDIA: 550.54.15', vendor: 'nvidia', architecture: 'hopper', software: false });
    expect(formatAdapter(nvidia)).toBe('NVIDIA: 550.54.15 (nvidia, hopper)');
  });
});

describe('Vulkan driver manifests', () => {
  it('reads the manifests the loader would, and marks software drivers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-icd-'));
    writeFileSync(join(dir, 'nvidia_icd.json'), JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: 'libGLX_nvidia.so.0' } }));
    writeFileSync(join(dir, 'lvp_icd.x86_64.json'), JSON.stringify({ ICD: { library_path: '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so' } }));
    writeFileSync(join(dir, 'broken.json'), '{');
    const drivers = vulkanDrivers({ VK_ICD_FILENAMES: dir });
    expect(drivers.map((d) => [d.library, d.software])).toEqual([
      ['/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so', true],
      ['libGLX_nvidia.so.0', false],
    ]);
    expect(vulkanDrivers({ VK_ICD_FILENAMES: SWIFTSHADER_ICD }).every((d) => d.software)).toBe(true);
    expect(vulkanDrivers({ XDG_CONFIG_DIRS: join(dir, 'none'), XDG_DATA_DIRS: join(dir, 'none'), HOME: join(dir, 'none') }).filter((d) => d.manifest.startsWith(dir))).toEqual([]);
  });
});

const swiftshader = existsSync(SWIFTSHADER_ICD);
if (!swiftshader) {
  if (process.env['CI'] === 'true') throw new Error(`the WebGPU adapter tests need SwiftShader (${SWIFTSHADER_ICD}): apt-get install chromium libvulkan1`);
  console.warn(`skipping the SwiftShader adapter checks: ${SWIFTSHADER_ICD} is not installed (apt-get install chromium libvulkan1)`);
}

describe.skipIf(!swiftshader)('auto and software adapters (SwiftShader as the only Vulkan driver)', () => {
  it('auto does not take SwiftShader, and the WebGPU start refuses it unless asked by name', { timeout: 300_000 }, async () => {
    process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
    const auto = await selectBackend('auto');
    try {
      expect(auto.name).not.toBe('webgpu');
      expect(auto.adapter).toBeUndefined();
    } finally {
      releaseBackend(auto);
    }
    const refused = await startWebgpu({ allowSoftware: false });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toContain('a software implementation that runs on the CPU');
  });
});
