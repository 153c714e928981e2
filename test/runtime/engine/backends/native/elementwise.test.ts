import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HAVE_NATIVE, NATIVE_REASON, compare, randomArray } from '../../../../fixtures/native.js';
import { broadcastLayout } from '../../../../../src/runtime/engine/backends/native/kernels/binary.js';
import { reduceView } from '../../../../../src/runtime/engine/backends/native/kernels/reduce.js';
import { RELU_GRAD } from '../../../../../src/runtime/engine/backends/native/ops.js';

const skipNote = HAVE_NATIVE ? '' : ` (skipped: ${NATIVE_REASON})`;

describe('broadcast layout and reduction view (pure)', () => {
  it('collapses an NHWC tensor against a channel vector to [rows, C]', () => {
    expect([...broadcastLayout([2, 3, 4, 5], [5], [2, 3, 4, 5])!]).toEqual([2, 24, 5, 5, 1, 0, 1]);
  });
  it('collapses equal shapes to one contiguous run', () => {
    expect([...broadcastLayout([2, 3, 4], [2, 3, 4], [2, 3, 4])!]).toEqual([1, 24, 1, 1]);
  });
  it('keeps a middle broadcast', () => {
    expect([...broadcastLayout([2, 3, 4], [2, 1, 4], [2, 3, 4])!]).toEqual([3, 2, 3, 4, 12, 4, 1, 4, 0, 1]);
  });
  it('views a reduction over N,H,W of NHWC as [1, NHW, C]', () => {
    expect([...reduceView([2, 3, 4, 5], [0, 1, 2])!]).toEqual([1, 24, 5]);
    expect([...reduceView([2, 3, 4, 5], [3])!]).toEqual([24, 5, 1]);
    expect(reduceView([2, 3, 4, 5], [0, 2])).toBeUndefined();
  });
});

describe.skipIf(!HAVE_NATIVE)(`native elementwise ops and reductions vs TF.js CPU${skipNote}`, () => {
  const shapes: Array<[number[], number[]]> = [
    [[3, 5, 7, 6], [6]], [[3, 5, 7, 6], [3, 5, 7, 6]], [[1], [4, 9]], [[2, 1, 5], [2, 3, 1]], [[3, 5, 7, 6], [1, 1, 1, 6]],
    [[70000], [70000]],
  ];
  const binaries: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  for (const [aShape, bShape] of shapes) {
    const size = (s: number[]): number => s.reduce((p, q) => p * q, 1);
    const a = randomArray(size(aShape), 3), b = randomArray(size(bShape), 4, 0.5, 2);
    for (const [name, f] of binaries) {
      it(`${name} ${aShape.join('x')} with ${bShape.join('x')}`, async () => {
        const r = await compare(() => [f(tf.tensor(a, aShape), tf.tensor(b, bShape)), f(tf.tensor(b, bShape), tf.tensor(a, aShape))]);
        expect([...r.fallbacks.keys()]).toEqual([]);
        expect(r.error).toBeLessThan(1e-4);
      });
    }
    it(`comparisons and casts ${aShape.join('x')} with ${bShape.join('x')}`, async () => {
      const r = await compare(() => [tf.greater, tf.greaterEqual, tf.less, tf.lessEqual, tf.equal].map((f) =>
        tf.cast(f(tf.tensor(a, aShape), tf.tensor(b, bShape)), 'float32')));
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBe(0);
    });
  }

  const unaries: Array<[string, (x: tf.Tensor) => tf.Tensor, number, number]> = [
    ['relu', tf.relu, -2, 2], ['relu6', tf.relu6, -3, 9], ['sigmoid', tf.sigmoid, -8, 8], ['tanh', tf.tanh, -4, 4],
    ['exp', tf.exp, -5, 5], ['log', tf.log, 0.01, 9], ['sqrt', tf.sqrt, 0, 9], ['rsqrt', tf.rsqrt, 0.1, 9],
    ['square', tf.square, -3, 3], ['neg', tf.neg, -3, 3], ['abs', tf.abs, -3, 3], ['step', (x) => tf.step(x, 0.25), -2, 2],
    ['elu', tf.elu, -4, 4], ['softplus', tf.softplus, -20, 20], ['leakyRelu', (x) => tf.leakyRelu(x, 0.3), -2, 2],
    ['reciprocal', tf.reciprocal, 0.5, 4],
  ];
  // Both of the kernels' loops: the serial one, and the parallel one above 262,144 floats (native/src/unary.cc).
  for (const shape of [[3, 7, 5, 11], [2, 300, 500]]) {
    for (const [name, f, low, high] of unaries) {
      it(`${name} ${shape.join('x')}`, async () => {
        const data = randomArray(shape.reduce((p, q) => p * q, 1), name.length, low, high);
        const r = await compare(() => f(tf.tensor(data, shape)));
        expect([...r.fallbacks.keys()]).toEqual([]);
        expect(r.error).toBeLessThan(1e-4);
      });
    }
  }

  const reductions: Array<[number[], number | number[], boolean]> = [
    [[3, 7, 5, 11], [0, 1, 2], true], [[3, 7, 5, 11], [0, 1, 2], false], [[3, 7, 5, 11], 3, false], [[3, 7, 5, 11], [1, 2], true],
    [[13, 9], 0, false], [[13, 9], -1, true], [[40, 40, 64], [0, 1], false],
  ];
  for (const [shape, axis, keepDims] of reductions) {
    it(`sum, mean, max, min over ${JSON.stringify(axis)} of ${shape.join('x')} keepDims=${keepDims}`, async () => {
      const data = randomArray(shape.reduce((p, q) => p * q, 1), shape.length + 17);
      const r = await compare(() => [tf.sum, tf.mean, tf.max, tf.min].map((f) => f(tf.tensor(data, shape), axis, keepDims)));
      expect([...r.fallbacks.keys()]).toEqual([]);
      expect(r.error).toBeLessThan(1e-4);
    });
  }
});

describe.skipIf(!HAVE_NATIVE)(`native ReLU gradient (IbcReluGrad) vs dy * step(x) on the CPU${skipNote}`, () => {
  it('matches on a 3x7x5x11 tensor with exact zeros in x', async () => {
    const x = randomArray(3 * 7 * 5 * 11, 21, -2, 2).map((v, i) => (i % 13 === 0 ? 0 : v));
    const dy = randomArray(x.length, 22);
    const r = await compare(() => {
      const xs = tf.tensor(x, [3, 7, 5, 11]), dys = tf.tensor(dy, [3, 7, 5, 11]);
      if (tf.getKernel(RELU_GRAD, tf.getBackend())) return tf.engine().runKernel(RELU_GRAD, { dy: dys, x: xs }, {}) as tf.Tensor;
      return tf.mul(dys, tf.step(xs));
    });
    expect(r.error).toBe(0);
  });
});
