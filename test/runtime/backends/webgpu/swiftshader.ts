/**
 * Starts the WebGPU backend for tests, on a real WebGPU implementation.
 *
 * By default that is SwiftShader, the CPU implementation of Vulkan that
 * Debian's chromium package ships (scripts/setup.sh installs chromium and
 * libvulkan1 with IBC_WITH_TEST_TOOLS=1): the test points the Vulkan loader at
 * it by setting VK_ICD_FILENAMES in its own process before Dawn starts, so
 * nobody has to set anything. With IBC_WEBGPU_HARDWARE=1 (bench/gpu-check.sh)
 * the loader finds the machine's own drivers and the adapter must be a
 * hardware one.
 *
 * Where WebGPU cannot start, the tests skip with the reason printed; with
 * CI=true they fail instead.
 */
import { existsSync } from 'node:fs';
import { selectBackend, type BackendChoice } from '../../../../src/runtime/backends/select.js';
import { SWIFTSHADER_ICD } from '../../../../src/runtime/backends/webgpu/adapter.js';
import { isRunError } from '../../../../src/support/errors.js';

export type TestWebgpu = { readonly ok: true; readonly choice: BackendChoice } | { readonly ok: false; readonly reason: string };

export const HARDWARE = process.env['IBC_WEBGPU_HARDWARE'] === '1';

async function start(): Promise<TestWebgpu> {
  if (!HARDWARE && process.env['VK_ICD_FILENAMES'] === undefined) {
    if (!existsSync(SWIFTSHADER_ICD)) {
      return { ok: false, reason: `SwiftShader's Vulkan driver is not installed (${SWIFTSHADER_ICD}): apt-get install chromium libvulkan1` };
    }
    process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
  }
  let choice: BackendChoice;
  try {
    choice = await selectBackend('webgpu');
  } catch (error) {
    return { ok: false, reason: isRunError(error) ? error.diagnostic.message : String(error) };
  }
  if (HARDWARE && choice.adapter?.software !== false) {
    choice.release?.();
    return { ok: false, reason: `IBC_WEBGPU_HARDWARE=1 but the adapter is ${choice.adapter?.name ?? 'unknown'}, a software one` };
  }
  return { ok: true, choice };
}

/** Starts WebGPU, or says why not: skips (printing the reason) outside CI, throws in CI. */
export async function startTestWebgpu(): Promise<TestWebgpu> {
  const got = await start();
  if (!got.ok) {
    if (process.env['CI'] === 'true') throw new Error(`WebGPU tests cannot run in CI: ${got.reason}`);
    console.warn(`skipping the WebGPU tests: ${got.reason}`);
  }
  return got;
}
