/**
 * The lowering parity suite (test/fixtures/lowering-parity.ts: every IR op,
 * node by node against the reference interpreter, eval and training modes,
 * seeded sampling and dropout) on TF.js's WebGPU backend, on a real WebGPU
 * implementation (SwiftShader through Dawn unless IBC_WEBGPU_HARDWARE=1; see
 * test/fixtures/webgpu.ts).
 *
 * Tolerance: |webgpu - ref| <= 1e-4 (1 + |ref|). The reference computes in
 * float64; WGSL's exp, log and tanh are allowed a few ulp more than the CPU's,
 * and shaders sum in tiles, so float32 results differ in more low bits than
 * on the CPU backend (measured worst: about 1e-6).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { registerTfjsGradients } from '../../../../../src/runtime/engine/executor/gradients.js';
import { loweringParityCases } from '../../../../fixtures/lowering-parity.js';
import { startTestWebgpu } from '../../../../fixtures/webgpu.js';

const gpu = await startTestWebgpu();

beforeAll(async () => {
  registerTfjsGradients();
  if (gpu.ok) await tf.setBackend('webgpu');
});

afterAll(() => {
  if (gpu.ok) gpu.choice.release?.();
});

describe.skipIf(!gpu.ok)('TF.js lowerings vs the reference interpreter on webgpu', () => {
  loweringParityCases(1e-4, 600_000);
});
