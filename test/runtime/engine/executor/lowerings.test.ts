/**
 * Every lowering against the reference interpreter, node by node, on tiny
 * random graphs (test/fixtures/lowering-parity.ts), on the CPU backends.
 * Tolerance: |tfjs - ref| <= 1e-5 + 1e-5 |ref|.
 */
import { beforeAll, describe } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerTfjsGradients } from '../../../../src/runtime/engine/executor/gradients.js';
import { registerNativeBackend } from '../../../../src/runtime/engine/backends/native/index.js';
import { loweringParityCases } from '../../../fixtures/lowering-parity.js';

const native = registerNativeBackend();
/** The suite runs on every CPU backend this machine has: TF.js CPU always, ibc's oneDNN backend when built (WebGPU: test/runtime/engine/backends/webgpu). */
const BACKENDS = ['cpu', ...(native.ok ? [native.name] : [])];

beforeAll(() => {
  registerTfjsGradients();
});

describe.each(BACKENDS)('TF.js lowerings vs the reference interpreter on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  loweringParityCases(1e-5);
});
