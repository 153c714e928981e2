import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HAVE_NATIVE, NATIVE_REASON, compare, randomArray } from '../../../../fixtures/native.js';
import { STATUS, loadAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  readonly n: number; readonly h: number; readonly w: number; readonly c: number; readonly o: number;
  readonly k: [number, number]; readonly stride: number; readonly dilation: number; readonly pad: Pad;
}

const explicit: Pad = [[0, 0], [1, 2], [2, 0], [0, 0]];
const CASES: ConvCase[] = [
  { n: 1, h: 7, w: 9, c: 3, o: 5, k: [3, 3], stride: 1, dilation: 1, pad: 'same' },
  { n: 3, h: 11, w: 8, c: 4, o: 6, k: [3, 3], stride: 2, dilation: 1, pad: 'same' },
  { n: 3, h: 9, w: 10, c: 5, o: 3, k: [3, 2], stride: 2, dilation: 1, pad: 'valid' },
  { n: 1, h: 13, w: 13, c: 2, o: 4, k: [3, 3], stride: 1, dilation: 2, pad: 'same' },
  { n: 3, h: 12, w: 9, c: 3, o: 7, k: [3, 3], stride: 1, dilation: 2, pad: 'valid' },
  { n: 1, h: 8, w: 7, c: 6, o: 2, k: [2, 3], stride: 2, dilation: 1, pad: explicit },
  { n: 3, h: 10, w: 10, c: 16, o: 8, k: [1, 1], stride: 1, dilation: 1, pad: 'valid' },
  { n: 3, h: 6, w: 5, c: 3, o: 4, k: [3, 3], stride: 1, dilation: 1, pad: explicit },
  // Selected for Winograd by the native rule (3x3, stride 1, >= 128 channels, >= 16x16: common.cc).
  { n: 1, h: 16, w: 16, c: 128, o: 128, k: [3, 3], stride: 1, dilation: 1, pad: 'same' },
];

const label = (t: ConvCase): string => `${t.n}x${t.h}x${t.w}x${t.c} k${t.k.join('x')}->${t.o} s${t.stride} d${t.dilation} ${Array.isArray(t.pad) ? 'explicit' : t.pad}`;

describe.skipIf(!HAVE_NATIVE)(`native convolutions vs TF.js CPU${HAVE_NATIVE ? '' : ` (skipped: ${NATIVE_REASON})`}`, () => {
  for (const [i, t] of CASES.entries()) {
    const xData = randomArray(t.n * t.h * t.w * t.c, 10 + i);
    const wData = randomArray(t.k[0] * t.k[1] * t.c * t.o, 20 + i);
    const bData = randomArray(t.o, 30 + i);
    const x = (): tf.Tensor4D => tf.tensor4d(xData, [t.n, t.h, t.w, t.c]);
    const w = (): tf.Tensor4D => tf.tensor4d(wData, [t.k[0], t.k[1], t.c, t.o]);

    it(`Conv2D ${label(t)}`, async () => {
      const r = await compare(() => tf.conv2d(x(), w(), t.stride, t.pad, 'NHWC', t.dilation));
      expect(r.fallbacks.size).toBe(0);
      expect(r.error).toBeLessThan(1e-4);
    });

    it(`FusedConv2D (bias + relu) ${label(t)}`, async () => {
      const r = await compare(() => tf.fused.conv2d({
        x: x(), filter: w(), strides: t.stride, pad: t.pad, dilations: t.dilation, bias: tf.tensor1d(bData), activation: 'relu',
      }));
      expect(r.fallbacks.size).toBe(0);
      expect(r.error).toBeLessThan(1e-4);
    });

    if (t.dilation === 1) {
      it(`Conv2DBackpropInput and Conv2DBackpropFilter ${label(t)}`, async () => {
        const r = await compare(() => {
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, t.stride, t.pad))));
          return g([x(), w()]);
        });
        expect(r.fallbacks.get('Conv2DBackpropInput') ?? 0).toBe(0);
        expect(r.fallbacks.get('Conv2DBackpropFilter') ?? 0).toBe(0);
        expect(r.error).toBeLessThan(1e-4);
      });
    }
  }

  it('the gradient of a fused conv (bias, relu) matches', async () => {
    const xData = randomArray(3 * 9 * 9 * 4, 1), wData = randomArray(3 * 3 * 4 * 6, 2), bData = randomArray(6, 3);
    const r = await compare(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 1, pad: 'same', bias: c, activation: 'relu' })));
      return g([tf.tensor4d(xData, [3, 9, 9, 4]), tf.tensor4d(wData, [3, 3, 4, 6]), tf.tensor1d(bData)]);
    });
    expect([...r.fallbacks.keys()]).toEqual([]);
    expect(r.error).toBeLessThan(1e-4);
  });
});

describe.skipIf(!HAVE_NATIVE)(`the backward convolutions' argument checks${HAVE_NATIVE ? '' : ` (skipped: ${NATIVE_REASON})`}`, () => {
  // n, inH, inW, inC, outH, outW, outC, kH, kW, strides, dilations, pads (top, left, bottom, right): src 2*3*3*2, filter 1*1*2*4, dst 2*3*3*4.
  const geometry = Int32Array.from([2, 3, 3, 2, 3, 3, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  const src = 36, filter = 8, dst = 72;
  const arrays = (sizes: readonly number[], short: number): Float32Array[] => sizes.map((n, i) => new Float32Array(i === short ? n - 1 : n).fill(0.5));

  it('run with arrays of the geometry\'s sizes and reject any array of the wrong size', () => {
    const loaded = loadAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    const { addon } = loaded;
    const input = (short: number): number => {
      const [dy, w, dx] = arrays([dst, filter, src], short);
      return addon.conv2dBackpropInput(dy!, w!, dx!, geometry);
    };
    const filterGrad = (short: number): number => {
      const [x, dy, dw] = arrays([src, dst, filter], short);
      return addon.conv2dBackpropFilter(x!, dy!, dw!, geometry);
    };
    for (const run of [input, filterGrad]) {
      expect(run(-1)).toBe(STATUS.ok);
      expect([0, 1, 2].map(run)).toEqual([STATUS.badArguments, STATUS.badArguments, STATUS.badArguments]);
    }
    expect(addon.conv2dBackpropFilter(new Float32Array(src), new Float32Array(dst), new Float32Array(filter), geometry.slice(0, 16))).toBe(STATUS.badArguments);
  });

  it('compute the values a 1x1 convolution\'s gradients have', () => {
    const loaded = loadAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    // A 1x1 convolution is a matmul per pixel: dx = dy . w^T, dw = x^T . dy (summed over pixels).
    const x = Float32Array.from({ length: src }, (_, i) => (i % 5) - 2);
    const w = Float32Array.from({ length: filter }, (_, i) => i / 4 - 1);
    const dy = Float32Array.from({ length: dst }, (_, i) => ((i * 7) % 3) - 1);
    const dx = new Float32Array(src);
    const dw = new Float32Array(filter);
    expect(loaded.addon.conv2dBackpropInput(dy, w, dx, geometry)).toBe(STATUS.ok);
    expect(loaded.addon.conv2dBackpropFilter(x, dy, dw, geometry)).toBe(STATUS.ok);
    const wantDx = new Float32Array(src);
    const wantDw = new Float32Array(filter);
    // Every index is in range; one that was not would read NaN and fail the comparison.
    const at = (a: Float32Array, i: number) => a[i] ?? NaN;
    const add = (a: Float32Array, i: number, v: number) => {
      a[i] = at(a, i) + v;
    };
    for (let p = 0; p < 18; p++) {
      for (let c = 0; c < 2; c++) {
        for (let o = 0; o < 4; o++) {
          add(wantDx, p * 2 + c, at(dy, p * 4 + o) * at(w, c * 4 + o));
          add(wantDw, c * 4 + o, at(x, p * 2 + c) * at(dy, p * 4 + o));
        }
      }
    }
    expect(Array.from(dx)).toEqual(Array.from(wantDx));
    expect(Array.from(dw)).toEqual(Array.from(wantDw));
  });
});
