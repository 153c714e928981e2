import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HAVE_NATIVE, NATIVE_REASON, compare, randomArray } from '../../../../fixtures/native.js';
import { batchNormTraining, hasNativeBatchNormTraining } from '../../../../../src/runtime/engine/backends/native/ops.js';

const skipNote = HAVE_NATIVE ? '' : ` (skipped: ${NATIVE_REASON})`;

describe.skipIf(!HAVE_NATIVE)(`native batch norm vs TF.js CPU${skipNote}`, () => {
  const shape = [3, 5, 7, 6];
  const x = randomArray(3 * 5 * 7 * 6, 1, -2, 2);
  const gamma = randomArray(6, 2, 0.5, 1.5), beta = randomArray(6, 3);

  it('FusedBatchNorm with per-channel statistics, scale and offset', async () => {
    const r = await compare(() => tf.batchNorm(tf.tensor(x, shape), tf.tensor1d(randomArray(6, 4)), tf.tensor1d(randomArray(6, 5, 0.5, 2)),
      tf.tensor1d(beta), tf.tensor1d(gamma), 1e-3));
    expect([...r.fallbacks.keys()]).toEqual([]);
    expect(r.error).toBeLessThan(1e-4);
  });

  it('FusedBatchNorm without scale and offset', async () => {
    const r = await compare(() => tf.batchNorm(tf.tensor(x, shape), tf.tensor1d(randomArray(6, 4)), tf.tensor1d(randomArray(6, 5, 0.5, 2))));
    expect([...r.fallbacks.keys()]).toEqual([]);
    expect(r.error).toBeLessThan(1e-4);
  });

  it('training-mode batch norm (moments, normalise, scale): forward and gradients', async () => {
    const r = await compare(() => {
      const f = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
        const { mean, variance } = tf.moments(v, [0, 1, 2]);
        const y = tf.add(tf.mul(tf.mul(tf.sub(v, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
        return tf.sum(tf.mul(tf.relu(y), tf.tensor(randomArray(x.length, 9), shape)));
      };
      return tf.grads(f)([tf.tensor(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta)]);
    });
    expect([...r.fallbacks.keys()]).toEqual([]);
    expect(r.error).toBeLessThan(1e-4);
  });
});

describe.skipIf(!HAVE_NATIVE)(`native training-mode batch norm (IbcBatchNormTrain) vs composed TF.js ops on the CPU${skipNote}`, () => {
  for (const shape of [[3, 5, 7, 6], [1, 4, 4, 33], [9, 10]]) {
    it(`forward (y, batch mean, biased variance) and gradients for x, scale, offset, shape ${shape.join('x')}`, async () => {
      const size = shape.reduce((p, q) => p * q, 1);
      const c = shape[shape.length - 1]!;
      const axes = shape.slice(0, -1).map((_, i) => i);
      const xData = randomArray(size, 11, -2, 3), g = randomArray(c, 12, 0.5, 1.5), b = randomArray(c, 13), w = randomArray(size, 14);
      const r = await compare(() => {
        const run = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } => {
          if (hasNativeBatchNormTraining()) return batchNormTraining(x, scale, offset, 1e-5);
          const { mean, variance } = tf.moments(x, axes);
          return { y: tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), scale), offset), mean, variance };
        };
        const x = tf.tensor(xData, shape), scale = tf.tensor1d(g), offset = tf.tensor1d(b);
        const forward = run(x, scale, offset);
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(run(p, q, s).y, tf.tensor(w, shape))))([x, scale, offset]);
        return [forward.y, forward.mean, forward.variance, ...grads];
      });
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBeLessThan(1e-4);
    });
  }
});
