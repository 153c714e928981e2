import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HAVE_NATIVE, NATIVE_REASON, compare, randomArray } from './helpers.js';

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
