import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HAVE_NATIVE, NATIVE_REASON, compare, randomArray } from '../../../../fixtures/native.js';

const skipNote = HAVE_NATIVE ? '' : ` (skipped: ${NATIVE_REASON})`;

describe.skipIf(!HAVE_NATIVE)(`native matmul vs TF.js CPU${skipNote}`, () => {
  const cases: Array<[number, number, number, number, boolean, boolean]> = [
    [1, 1, 7, 5, false, false], [1, 3, 9, 4, true, false], [1, 6, 1, 33, false, true], [2, 5, 7, 3, true, true],
    [3, 17, 31, 13, false, false],
  ];
  for (const [batch, m, k, n, ta, tb] of cases) {
    it(`BatchMatMul b${batch} ${m}x${k}x${n} tA=${ta} tB=${tb} and its gradients`, async () => {
      const a = randomArray(batch * m * k, m * 7 + k), b = randomArray(batch * k * n, n * 5 + k);
      const aShape = batch === 1 ? (ta ? [k, m] : [m, k]) : ta ? [batch, k, m] : [batch, m, k];
      const bShape = batch === 1 ? (tb ? [n, k] : [k, n]) : tb ? [batch, n, k] : [batch, k, n];
      const r = await compare(() => {
        const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.sum(tf.square(tf.matMul(x, y, ta, tb)));
        return [tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb), ...tf.grads(f)([tf.tensor(a, aShape), tf.tensor(b, bShape)])];
      });
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBeLessThan(1e-4);
    });
  }

  it('a batch of 1 broadcasts against a batch of 4', async () => {
    const r = await compare(() => tf.matMul(tf.tensor(randomArray(15, 1), [1, 3, 5]), tf.tensor(randomArray(40, 2), [4, 5, 2])));
    expect([...r.fallbacks.keys()]).toEqual([]);
    expect(r.error).toBeLessThan(1e-4);
  });

  for (const activation of ['linear', 'relu', 'sigmoid', 'elu', 'leakyrelu', 'relu6'] as const) {
    it(`_FusedMatMul with bias and ${activation}`, async () => {
      const r = await compare(() => tf.fused.matMul({
        a: tf.tensor2d(randomArray(5 * 9, 3, -3, 3), [5, 9]), b: tf.tensor2d(randomArray(9 * 6, 4), [9, 6]),
        bias: tf.tensor1d(randomArray(6, 5)), activation, leakyreluAlpha: 0.1,
      }));
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBeLessThan(1e-4);
    });
  }
});

describe.skipIf(!HAVE_NATIVE)(`native pooling vs TF.js CPU${skipNote}`, () => {
  const cases: Array<{ n: number; h: number; w: number; c: number; size: number; stride: number; pad: 'same' | 'valid' | number }> = [
    { n: 1, h: 7, w: 9, c: 3, size: 2, stride: 2, pad: 'valid' },
    { n: 3, h: 8, w: 8, c: 5, size: 2, stride: 2, pad: 'same' },
    { n: 3, h: 9, w: 7, c: 70, size: 3, stride: 2, pad: 'same' },
    { n: 1, h: 10, w: 11, c: 4, size: 3, stride: 1, pad: 'valid' },
    { n: 3, h: 6, w: 6, c: 2, size: 3, stride: 1, pad: 1 },
  ];
  for (const t of cases) {
    const label = `${t.n}x${t.h}x${t.w}x${t.c} size ${t.size} stride ${t.stride} pad ${t.pad}`;
    const data = randomArray(t.n * t.h * t.w * t.c, t.h * 31 + t.c);
    const x = (): tf.Tensor4D => tf.tensor4d(data, [t.n, t.h, t.w, t.c]);
    it(`MaxPool and MaxPoolGrad ${label}`, async () => {
      const r = await compare(() => {
        const f = (v: tf.Tensor): tf.Tensor => tf.sum(tf.square(tf.maxPool(v as tf.Tensor4D, t.size, t.stride, t.pad)));
        return [tf.maxPool(x(), t.size, t.stride, t.pad), tf.grad(f)(x())];
      });
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBeLessThan(1e-4);
    });
    it(`AvgPool ${label}`, async () => {
      const r = await compare(() => tf.avgPool(x(), t.size, t.stride, t.pad));
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBeLessThan(1e-4);
    });
    it(`AvgPoolGrad ${label}`, async () => {
      const dyShape = tf.avgPool(x(), t.size, t.stride, t.pad).shape;
      const dy = randomArray(dyShape.reduce((p, q) => p * q, 1), 99);
      const r = await compare(() => tf.engine().runKernel('AvgPoolGrad', { dy: tf.tensor(dy, dyShape), input: x() },
        { filterSize: t.size, strides: t.stride, pad: t.pad }) as tf.Tensor);
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBeLessThan(1e-4);
    });
  }
});
