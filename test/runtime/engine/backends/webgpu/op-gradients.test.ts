/**
 * The backward pass of every lowering against finite differences
 * (test/fixtures/op-gradient-cases.ts) on TF.js's WebGPU backend, on a real
 * WebGPU implementation (SwiftShader through Dawn unless
 * IBC_WEBGPU_HARDWARE=1; see test/fixtures/webgpu.ts): every gradient the
 * specs use runs as shaders, and no kernel falls back to the CPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { opGradientCases } from '../../../../fixtures/op-gradient-cases.js';
import { startTestWebgpu } from '../../../../fixtures/webgpu.js';

const gpu = await startTestWebgpu();

beforeAll(async () => {
  if (gpu.ok) await tf.setBackend('webgpu');
});

afterAll(() => {
  if (gpu.ok) gpu.choice.release?.();
});

describe.skipIf(!gpu.ok)('each lowering backward vs finite differences on webgpu', () => {
  opGradientCases(300_000);

  it('ran no kernel on the CPU', () => {
    if (gpu.ok) expect(gpu.choice.hostFallbacks?.()).toEqual([]);
  });
});
