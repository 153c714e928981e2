/**
 * The backward pass of each lowering against finite differences
 * (test/fixtures/op-gradient-cases.ts), on the CPU backends.
 */
import { beforeAll, describe } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerNativeBackend } from '../../../../src/runtime/engine/backends/native/index.js';
import { opGradientCases } from '../../../fixtures/op-gradient-cases.js';

const native = registerNativeBackend();
/** TF.js CPU always; ibc's oneDNN backend (native backward kernels) when it is built. WebGPU: test/runtime/engine/backends/webgpu. */
const BACKENDS = ['cpu', ...(native.ok ? [native.name] : [])];

describe.each(BACKENDS)('each lowering backward vs finite differences on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  opGradientCases();
});
