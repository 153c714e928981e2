import { describe, it, expect } from 'vitest';
import { selectBackend, releaseBackend, isBackendRequest } from '../../../../src/runtime/engine/backends/select.js';
import { isRunError } from '../../../../src/support/errors.js';

async function failure(request: Parameters<typeof selectBackend>[0]): Promise<{ code: string; message: string }> {
  try {
    await selectBackend(request);
  } catch (error) {
    if (isRunError(error)) return error.diagnostic;
    throw error;
  }
  throw new Error(`${request} unexpectedly started`);
}

describe('backend selection', () => {
  it('cpu on request, recorded with its reason', async () => {
    const c = await selectBackend('cpu');
    expect(c).toMatchObject({ name: 'cpu', tfBackend: 'cpu', reason: 'requested', warnings: [] });
  });

  it('a backend asked for by name that cannot load is a RunError saying why', async () => {
    const tf = await failure('tensorflow');
    expect(tf.code).toBe('IB6400');
    expect(tf.message).toContain('@tensorflow/tfjs-node is not installed');
  });

  it("webgpu without the optional 'webgpu' package names the package to install", async () => {
    let webgpuInstalled = true;
    try {
      const specifier: string = 'webgpu';
      await import(specifier);
    } catch {
      webgpuInstalled = false;
    }
    if (webgpuInstalled) return; // nothing to check on a machine that has it
    const d = await failure('webgpu');
    expect(d.code).toBe('IB6402');
    expect(d.message).toContain('npm install webgpu');
  });

  it('auto never fails: a faster backend, or cpu with the slow-backend warning', async () => {
    const c = await selectBackend('auto');
    releaseBackend(c);
    expect(['tensorflow-gpu', 'webgpu', 'tensorflow', 'ibc-native', 'cpu']).toContain(c.name);
    // A WebGPU choice is always a hardware adapter, and says which.
    if (c.name === 'webgpu') expect(c.adapter?.software).toBe(false);
    if (c.name === 'cpu') expect(c.warnings.map((w) => w.code)).toEqual(['IB6401']);
    else expect(c.warnings).toEqual([]);
  });

  it('knows its names', () => {
    expect(isBackendRequest('ibc-native')).toBe(true);
    expect(isBackendRequest('tpu')).toBe(false);
  });
});
