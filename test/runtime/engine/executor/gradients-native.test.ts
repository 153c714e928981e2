/**
 * The Relu gradient takes one kernel (IbcReluGrad) on the native backend and
 * dy * step(x) elsewhere; both give the same values bit for bit, zeros (and
 * x = 0, which gets no gradient, as in PyTorch) included.
 */
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerTfjsGradients } from '../../../../src/runtime/engine/executor/gradients.js';
import { nativeUnavailableReason, registerNativeBackend } from '../../../../src/runtime/engine/backends/native/index.js';
import { randomArray } from '../../../fixtures/tiny-ir.js';

registerTfjsGradients();

const NATIVE_REASON = nativeUnavailableReason();
const skipNote = NATIVE_REASON === undefined ? '' : ` (skipped: ${NATIVE_REASON})`;

interface Outcome {
  readonly dx: Float32Array;
  readonly kernels: string[];
}

/** d/dx of sum(relu(x) * w) on `backend`, with some x exactly 0. */
async function reluGradient(backend: string, size: number): Promise<Outcome> {
  await tf.setBackend(backend);
  const xs = randomArray(size, 5);
  for (let i = 0; i < size; i += 7) xs[i] = 0;
  const x = tf.tensor2d(xs, [size / 8, 8]);
  const w = tf.tensor2d(randomArray(size, 6), [size / 8, 8]);
  const gradient = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w)));
  let dx: tf.Tensor | undefined;
  const profile = await tf.profile(() => {
    dx = gradient(x);
    return dx;
  });
  const values = dx!.dataSync() as Float32Array;
  tf.dispose([x, w, dx!]);
  return { dx: values, kernels: profile.kernelNames };
}

describe(`Relu gradient${skipNote}`, () => {
  it('is dy * step(x) on the CPU backend', async () => {
    const cpu = await reluGradient('cpu', 64);
    expect(cpu.kernels).toContain('Step');
    expect(cpu.kernels).not.toContain('IbcReluGrad');
  });

  it.skipIf(NATIVE_REASON !== undefined)('is one IbcReluGrad kernel on ibc-native, with the same values bit for bit', async () => {
    const registered = registerNativeBackend();
    if (!registered.ok) throw new Error(registered.reason);
    for (const size of [64, 8 * 40001]) {
      const cpu = await reluGradient('cpu', size);
      const native = await reluGradient(registered.name, size);
      expect(native.kernels).toContain('IbcReluGrad');
      expect(native.kernels).not.toContain('Step');
      expect(Buffer.from(native.dx.buffer).equals(Buffer.from(cpu.dx.buffer))).toBe(true);
    }
    await tf.setBackend('cpu');
  });
});
