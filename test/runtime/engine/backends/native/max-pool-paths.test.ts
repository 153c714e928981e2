/**
 * The native maxPool's and maxPoolArgmax's fast paths (every window inside the input: no bounds
 * checks, fixed-length channel loops for 8/16/32/64 channels) and batchNormMaxPool (the evaluation pass's
 * BatchNorm(+ReLU)+MaxPool in one pass), bit for bit against a TypeScript transcription of the
 * generic loop, against maxPoolArgmax's y (a separate native loop), and, for the fused kernel,
 * against batchNorm, unary Relu and maxPool one after the other. Inputs hold NaNs, infinities,
 * signed zeros and ties; sizes are odd so windows leave cells over.
 */
import { describe, expect, it } from 'vitest';
import { STATUS, UNARY_OPS, type NativeAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';
import { Random } from '../../../../../src/support/random.js';
import { HAVE_NATIVE, nativeAddonForTests } from '../../../../fixtures/native.js';
import { packPoolGeometry, referenceArgmaxPool, referenceMaxPool, type PoolGeometry } from '../../../../fixtures/pool-windows.js';

interface Case extends PoolGeometry {
  readonly name: string;
}

const CASES: readonly Case[] = [
  { name: '2x2 stride 2, 8 channels, odd 9x7 (a row and a column left over)', n: 3, inH: 9, inW: 7, c: 8, k: [2, 2], stride: [2, 2], dilation: [1, 1], pad: [0, 0] },
  { name: '2x2 stride 2, 16 channels', n: 2, inH: 6, inW: 10, c: 16, k: [2, 2], stride: [2, 2], dilation: [1, 1], pad: [0, 0] },
  { name: '2x2 stride 2, 32 channels, 7x7', n: 2, inH: 7, inW: 7, c: 32, k: [2, 2], stride: [2, 2], dilation: [1, 1], pad: [0, 0] },
  { name: '2x2 stride 2, 64 channels', n: 1, inH: 4, inW: 6, c: 64, k: [2, 2], stride: [2, 2], dilation: [1, 1], pad: [0, 0] },
  { name: '3x3 stride 2 unpadded, 3 channels (interior, any channel count)', n: 2, inH: 9, inW: 8, c: 3, k: [3, 3], stride: [2, 2], dilation: [1, 1], pad: [0, 0] },
  { name: '3x2 stride 1x3 dilation 2x1 unpadded, 17 channels (overlapping windows)', n: 2, inH: 10, inW: 11, c: 17, k: [3, 2], stride: [1, 3], dilation: [2, 1], pad: [0, 0] },
  { name: '3x3 stride 2 padded, 8 channels (the generic loop)', n: 2, inH: 9, inW: 7, c: 8, k: [3, 3], stride: [2, 2], dilation: [1, 1], pad: [1, 1] },
  { name: '1x1 padded: all-padding windows, 5 channels', n: 1, inH: 2, inW: 3, c: 5, k: [1, 1], stride: [1, 1], dilation: [1, 1], pad: [1, 1] },
  { name: '2x2 stride 2, 8 channels, 64 x 28 x 28 (threads)', n: 64, inH: 28, inW: 28, c: 8, k: [2, 2], stride: [2, 2], dilation: [1, 1], pad: [0, 0] },
];

/** Small integers (ties in most windows), and in places NaN, +-Infinity and -0. */
function awkwardValues(size: number, seed: number): Float32Array {
  const rng = Random.fromSeed(seed);
  const x = new Float32Array(size);
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
  for (let i = 0; i < size; i++) {
    const u = rng.next();
    x[i] = u < 0.08 ? specials[Math.floor(rng.next() * specials.length)]! : Math.round((rng.next() - 0.5) * 6);
  }
  return x;
}

/** Element by element with Object.is: NaN equals NaN, -0 differs from 0. */
function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  const differing: string[] = [];
  for (let i = 0; i < expected.length && differing.length < 5; i++) {
    if (!Object.is(actual[i], expected[i])) differing.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  }
  expect(differing, what).toEqual([]);
}

/** Inference batch norm's per-channel map in float32 as batch_norm_affine.h computes it: mul = scale / sqrt(var + eps), add = offset - mean * mul. */
function affine(mean: Float32Array, variance: Float32Array, offset: Float32Array, scale: Float32Array, epsilon: number): { mul: Float32Array; add: Float32Array } {
  const f = Math.fround;
  const mul = new Float32Array(mean.length), add = new Float32Array(mean.length);
  for (let ch = 0; ch < mean.length; ch++) {
    mul[ch] = f(scale[ch]! / f(Math.sqrt(f(variance[ch]! + f(epsilon)))));
    add[ch] = f(offset[ch]! - f(mean[ch]! * mul[ch]!));
  }
  return { mul, add };
}

const addon = HAVE_NATIVE ? nativeAddonForTests() : undefined;
function kernels(): NativeAddon {
  if (!addon) throw new Error('the native addon is not built');
  return addon;
}

describe.skipIf(!HAVE_NATIVE)('native maxPool paths and batchNormMaxPool, bit for bit', () => {
  let seed = 900;
  for (const g of CASES) {
    const s = seed++;
    it(`${g.name}: maxPool equals the generic loop, and maxPoolArgmax gives the same y and the generic rule's indices`, () => {
      const { packed, outH, outW } = packPoolGeometry(g);
      const x = awkwardValues(g.n * g.inH * g.inW * g.c, s);
      const y = new Float32Array(g.n * outH * outW * g.c);
      expect(kernels().maxPool(x, y, packed)).toBe(STATUS.ok);
      expectSameBits(y, referenceMaxPool(g, x), 'maxPool vs the generic loop');
      const viaArgmax = new Float32Array(y.length);
      const argmax = new Int32Array(y.length);
      expect(kernels().maxPoolArgmax(x, viaArgmax, argmax, packed)).toBe(STATUS.ok);
      expectSameBits(y, viaArgmax, "maxPool vs maxPoolArgmax's y");
      expect(argmax).toEqual(referenceArgmaxPool(g, x).argmax);
    });

    for (const relu of [1, 0]) {
      it(`${g.name}: batchNormMaxPool${relu ? ' with ReLU' : ''} equals batchNorm${relu ? ', Relu' : ''} and maxPool in turn`, () => {
        const { packed, outH, outW } = packPoolGeometry(g);
        const x = awkwardValues(g.n * g.inH * g.inW * g.c, s + 100);
        const rng = Random.fromSeed(s + 200);
        // Negative scales too (the maximum of the normalised cells is not the normalised maximum), and a zero one.
        const scale = rng.fillUniform(new Float32Array(g.c), -1.5, 1.5);
        scale[0] = 0;
        const offset = rng.fillUniform(new Float32Array(g.c), -1, 1);
        const mean = rng.fillUniform(new Float32Array(g.c), -1, 1);
        const variance = rng.fillUniform(new Float32Array(g.c), 0.2, 3);
        const epsilon = 1e-3;
        const fused = new Float32Array(g.n * outH * outW * g.c);
        expect(kernels().batchNormMaxPool(x, mean, variance, offset, scale, fused, packed, epsilon, relu)).toBe(STATUS.ok);

        const normalised = new Float32Array(x.length);
        expect(kernels().batchNorm(x, mean, variance, offset, scale, normalised, g.c, epsilon)).toBe(STATUS.ok);
        if (relu) expect(kernels().unary(UNARY_OPS.Relu, normalised, normalised, 0)).toBe(STATUS.ok);
        const unfused = new Float32Array(fused.length);
        expect(kernels().maxPool(normalised, unfused, packed)).toBe(STATUS.ok);
        expectSameBits(fused, unfused, 'fused vs batchNorm, Relu, maxPool');

        const { mul, add } = affine(mean, variance, offset, scale, epsilon);
        const cell = (v: number, ch: number): number => {
          const n = Math.fround(Math.fround(v * mul[ch]!) + add[ch]!);
          return relu && n < 0 ? 0 : n;
        };
        expectSameBits(fused, referenceMaxPool(g, x, cell), 'fused vs the generic loop in TypeScript');
      });
    }
  }

  it('batchNormMaxPool: null offset and scale are 0 and 1, length-1 vectors repeat, like batchNorm', () => {
    const g = CASES[0]!;
    const { packed, outH, outW } = packPoolGeometry(g);
    const x = awkwardValues(g.n * g.inH * g.inW * g.c, 77);
    const mean = Float32Array.of(0.25), variance = Float32Array.of(2);
    const fused = new Float32Array(g.n * outH * outW * g.c);
    expect(kernels().batchNormMaxPool(x, mean, variance, null, null, fused, packed, 1e-5, 1)).toBe(STATUS.ok);
    const normalised = new Float32Array(x.length);
    expect(kernels().batchNorm(x, mean, variance, null, null, normalised, g.c, 1e-5)).toBe(STATUS.ok);
    expect(kernels().unary(UNARY_OPS.Relu, normalised, normalised, 0)).toBe(STATUS.ok);
    const unfused = new Float32Array(fused.length);
    expect(kernels().maxPool(normalised, unfused, packed)).toBe(STATUS.ok);
    expectSameBits(fused, unfused, 'fused vs unfused');
  });

  it('batchNormMaxPool: bad arguments are a status, not an exception', () => {
    const g = CASES[0]!;
    const { packed, outH, outW } = packPoolGeometry(g);
    const x = new Float32Array(g.n * g.inH * g.inW * g.c);
    const y = new Float32Array(g.n * outH * outW * g.c);
    const v = new Float32Array(g.c).fill(1);
    const run = (args: Partial<{ x: Float32Array; y: Float32Array; mean: Float32Array; geometry: Int32Array; relu: number }>): number =>
      kernels().batchNormMaxPool(args.x ?? x, args.mean ?? v, v, v, v, args.y ?? y, args.geometry ?? packed, 1e-3, args.relu ?? 1);
    expect(run({})).toBe(STATUS.ok);
    expect(run({ x: x.subarray(1) })).toBe(STATUS.badArguments);
    expect(run({ y: y.subarray(1) })).toBe(STATUS.badArguments);
    expect(run({ mean: new Float32Array(g.c - 1) })).toBe(STATUS.badArguments);
    expect(run({ geometry: packed.subarray(0, 13) })).toBe(STATUS.badArguments);
    expect(run({ relu: 2 })).toBe(STATUS.badArguments);
  });
});
