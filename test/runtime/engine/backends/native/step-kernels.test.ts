/**
 * The native kernels of the compiled training step (batchNormReluTrain(Grad),
 * maxPoolArgmax, maxPoolGradArgmax, adamStep, channelSums, accumulate, sgdStep
 * in place), called directly on typed arrays, against plain TypeScript
 * references computed in double (or in float32 step by step where the kernel
 * promises float32 arithmetic in a fixed order).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { STATUS, loadAddon, type NativeAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';
import { Random } from '../../../../../src/support/random.js';
import { createOptimizer } from '../../../../../src/runtime/engine/executor/optimizers.js';
import type { OptimizerSpec } from '../../../../../src/compiler/spec/resolved-spec.js';
import { packPoolGeometry, referenceArgmaxPool, type PoolGeometry } from '../../../../fixtures/pool-windows.js';

const loaded = loadAddon();
const inCi = process.env.CI === 'true';
// Without the addon these tests are skipped with the reason, except in CI, where they run and fail.
if (!loaded.ok && !inCi) console.warn(`native step kernel tests skipped: ${loaded.reason}`);
const skip = !loaded.ok && !inCi;
const skipNote = skip && !loaded.ok ? ` (skipped: ${loaded.reason})` : '';

function addon(): NativeAddon {
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.addon;
}

function uniform(size: number, seed: number, low = -1, high = 1): Float32Array {
  return Random.fromSeed(seed).fillUniform(new Float32Array(size), low, high);
}

/** max|a - b| / max(max|b|, tiny): the relative error of a whole result. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0, scale = 1e-30;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

const TOLERANCE = 1e-5;

type Values = Float32Array | Int32Array | readonly number[];

/** How many positions of two equally long arrays hold different values (Object.is: -0 is not 0, NaN is NaN). */
function mismatches(actual: Values, expected: Values): number {
  expect(actual.length).toBe(expected.length);
  let count = 0;
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) count++;
  return count;
}

interface BatchNormCase {
  readonly rows: number;
  readonly channels: number;
  /** Added to every x: a large mean against a unit spread tests the statistics' accuracy. */
  readonly shift: number;
}

// Odd channel counts, row counts that are no multiple of any vector width, and one case
// above the size where the kernels split work across threads.
const BN_CASES: readonly BatchNormCase[] = [
  { rows: 1, channels: 5, shift: 0 },
  { rows: 1000, channels: 1, shift: 0 },
  { rows: 37, channels: 3, shift: 2 },
  { rows: 129, channels: 17, shift: 0 },
  { rows: 3 * 5 * 7, channels: 8, shift: 100 },
  { rows: 23, channels: 100, shift: 0 },
  { rows: 7, channels: 1001, shift: 3 },
  { rows: 20011, channels: 17, shift: 1 },
];

interface Statistics {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

function referenceStatistics(x: Float32Array, channels: number): Statistics {
  const rows = x.length / channels;
  const mean = new Float64Array(channels), variance = new Float64Array(channels);
  for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) mean[c]! += x[r * channels + c]!;
  for (let c = 0; c < channels; c++) mean[c] = mean[c]! / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const d = x[r * channels + c]! - mean[c]!;
      variance[c]! += d * d;
    }
  }
  for (let c = 0; c < channels; c++) variance[c] = variance[c]! / rows;
  return { mean, variance };
}

function referenceNormalise(x: Float32Array, s: Statistics, scale: Float32Array | null, offset: Float32Array | null,
  channels: number, epsilon: number, relu: boolean): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    const v = ((x[i]! - s.mean[c]!) / Math.sqrt(s.variance[c]! + epsilon)) * (scale ? scale[c]! : 1) + (offset ? offset[c]! : 0);
    y[i] = relu ? Math.max(v, 0) : v;
  }
  return y;
}

interface BatchNormGradients {
  readonly dx: Float64Array;
  readonly dscale: Float64Array;
  readonly doffset: Float64Array;
}

/** The closed-form gradient, from the mean and variance the kernel is given; y masks dy when relu. */
function referenceGradients(dy: Float32Array, x: Float32Array, y: Float32Array | null, mean: Float32Array, variance: Float32Array,
  scale: Float32Array | null, channels: number, epsilon: number): BatchNormGradients {
  const n = x.length / channels;
  const dyr = (i: number): number => (y === null || y[i]! > 0 ? dy[i]! : 0);
  const rstd = (c: number): number => 1 / Math.sqrt(variance[c]! + epsilon);
  const xhat = (i: number): number => (x[i]! - mean[i % channels]!) * rstd(i % channels);
  const doffset = new Float64Array(channels), dscale = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) {
    doffset[i % channels]! += dyr(i);
    dscale[i % channels]! += dyr(i) * xhat(i);
  }
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    dx[i] = ((scale ? scale[c]! : 1) * rstd(c) / n) * (n * dyr(i) - doffset[c]! - xhat(i) * dscale[c]!);
  }
  return { dx, dscale, doffset };
}

describe.skipIf(skip)(`native batchNormReluTrain and its gradient vs a TypeScript reference${skipNote}`, () => {
  const epsilon = 1e-5;
  let seed = 100;
  for (const bc of BN_CASES) {
    for (const relu of [0, 1]) {
      for (const affine of [true, false]) {
        const name = `${bc.rows} rows x ${bc.channels} channels, mean ${bc.shift}, relu ${relu}, ${affine ? 'scale and offset' : 'null scale and offset'}`;
        const caseSeed = seed++;
        it(name, () => {
          const { rows, channels } = bc;
          const size = rows * channels;
          const x = uniform(size, caseSeed, bc.shift - 1.5, bc.shift + 1.5);
          const scale = affine ? uniform(channels, caseSeed + 1000, 0.5, 1.5) : null;
          const offset = affine ? uniform(channels, caseSeed + 2000, -0.5, 0.5) : null;
          const y = new Float32Array(size), mean = new Float32Array(channels), variance = new Float32Array(channels);
          expect(addon().batchNormReluTrain(x, scale, offset, y, mean, variance, channels, epsilon, relu)).toBe(STATUS.ok);

          const stats = referenceStatistics(x, channels);
          expect(relativeError(mean, stats.mean)).toBeLessThan(TOLERANCE);
          // One row: the variance is exactly 0 (and y is the offset).
          expect(relativeError(variance, stats.variance)).toBeLessThan(rows === 1 ? Infinity : TOLERANCE);
          if (rows === 1) expect(Array.from(variance)).toEqual(new Array<number>(channels).fill(0));
          expect(relativeError(y, referenceNormalise(x, stats, scale, offset, channels, epsilon, relu === 1))).toBeLessThan(TOLERANCE);
          if (relu === 1) expect(y.some((v) => v === 0)).toBe(true);

          const dy = uniform(size, caseSeed + 3000);
          const dx = new Float32Array(size), dscale = new Float32Array(channels), doffset = new Float32Array(channels);
          const mask = relu === 1 ? y : null;
          expect(addon().batchNormReluTrainGrad(dy, x, mask, mean, variance, scale, dx, dscale, doffset, channels, epsilon, relu))
            .toBe(STATUS.ok);
          const ref = referenceGradients(dy, x, mask, mean, variance, scale, channels, epsilon);
          expect(relativeError(doffset, ref.doffset)).toBeLessThan(TOLERANCE);
          expect(relativeError(dscale, ref.dscale)).toBeLessThan(TOLERANCE);
          if (rows > 1) expect(relativeError(dx, ref.dx)).toBeLessThan(TOLERANCE);

          // Deterministic: a second call gives the same bits.
          const y2 = new Float32Array(size), dx2 = new Float32Array(size);
          addon().batchNormReluTrain(x, scale, offset, y2, new Float32Array(channels), new Float32Array(channels), channels, epsilon, relu);
          addon().batchNormReluTrainGrad(dy, x, mask, mean, variance, scale, dx2, new Float32Array(channels), new Float32Array(channels),
            channels, epsilon, relu);
          expect(mismatches(y2, y)).toBe(0);
          expect(mismatches(dx2, dx)).toBe(0);
        });
      }
    }
  }

  it('without relu, the gradient ignores a y that is passed anyway', () => {
    const channels = 3, x = uniform(60, 7), dy = uniform(60, 8), y = uniform(60, 9);
    const mean = new Float32Array(channels), variance = new Float32Array(channels);
    addon().batchNormReluTrain(x, null, null, new Float32Array(60), mean, variance, channels, 1e-3, 0);
    const run = (mask: Float32Array | null): Float32Array => {
      const dx = new Float32Array(60);
      expect(addon().batchNormReluTrainGrad(dy, x, mask, mean, variance, null, dx, new Float32Array(channels),
        new Float32Array(channels), channels, 1e-3, 0)).toBe(STATUS.ok);
      return dx;
    };
    expect(mismatches(run(y), run(null))).toBe(0);
  });

  it('matches the existing batchNormTrain / batchNormTrainGrad pair (relu 0) within tolerance', () => {
    const channels = 17, size = 129 * channels;
    const x = uniform(size, 21, -2, 3), scale = uniform(channels, 22, 0.5, 1.5), offset = uniform(channels, 23), dy = uniform(size, 24);
    const out = (): { y: Float32Array; mean: Float32Array; variance: Float32Array; dx: Float32Array; ds: Float32Array; db: Float32Array } => ({
      y: new Float32Array(size), mean: new Float32Array(channels), variance: new Float32Array(channels),
      dx: new Float32Array(size), ds: new Float32Array(channels), db: new Float32Array(channels),
    });
    const a = out(), b = out();
    addon().batchNormTrain(x, scale, offset, a.y, a.mean, a.variance, channels, 1e-5);
    addon().batchNormTrainGrad(dy, x, a.mean, a.variance, scale, a.dx, a.ds, a.db, channels, 1e-5);
    addon().batchNormReluTrain(x, scale, offset, b.y, b.mean, b.variance, channels, 1e-5, 0);
    addon().batchNormReluTrainGrad(dy, x, null, b.mean, b.variance, scale, b.dx, b.ds, b.db, channels, 1e-5, 0);
    for (const key of ['y', 'mean', 'variance', 'dx', 'ds', 'db'] as const) expect(relativeError(b[key], a[key])).toBeLessThan(TOLERANCE);
  });

  it('bad arguments are a status, not an exception', () => {
    const x = new Float32Array(12), y = new Float32Array(12), c3 = new Float32Array(3);
    const bn = addon().batchNormReluTrain.bind(addon());
    expect(bn(x, null, null, y, c3, c3, 3, 1e-5, 0)).toBe(STATUS.ok);
    expect(bn(x, null, null, new Float32Array(11), c3, c3, 3, 1e-5, 0)).toBe(STATUS.badArguments);
    expect(bn(x, null, null, y, c3, c3, 5, 1e-5, 0)).toBe(STATUS.badArguments);
    expect(bn(x, null, null, y, c3, c3, 0, 1e-5, 0)).toBe(STATUS.badArguments);
    expect(bn(x, null, null, y, c3, c3, 2.5, 1e-5, 0)).toBe(STATUS.badArguments);
    expect(bn(x, new Float32Array(4), null, y, c3, c3, 3, 1e-5, 0)).toBe(STATUS.badArguments);
    expect(bn(x, null, null, y, c3, c3, 3, 1e-5, 2)).toBe(STATUS.badArguments);
    expect(bn(new Float32Array(0), null, null, new Float32Array(0), c3, c3, 3, 1e-5, 0)).toBe(STATUS.badArguments);
    const grad = addon().batchNormReluTrainGrad.bind(addon());
    expect(grad(x, x, y, c3, c3, null, y, c3, c3, 3, 1e-5, 1)).toBe(STATUS.ok);
    expect(grad(x, x, null, c3, c3, null, y, c3, c3, 3, 1e-5, 1)).toBe(STATUS.badArguments);
    expect(grad(x, x, new Float32Array(9), c3, c3, null, y, c3, c3, 3, 1e-5, 1)).toBe(STATUS.badArguments);
    expect(grad(x, x, null, c3, c3, null, new Float32Array(9), c3, c3, 3, 1e-5, 0)).toBe(STATUS.badArguments);
    expect(grad(x, x, null, c3, new Float32Array(2), null, y, c3, c3, 3, 1e-5, 0)).toBe(STATUS.badArguments);
  });
});

interface PoolCase extends PoolGeometry {
  readonly name: string;
  /** Values drawn from a few integers, so windows hold ties. */
  readonly ties: boolean;
}

const POOL_CASES: readonly PoolCase[] = [
  { name: '2x2 stride 2, 8 channels', n: 3, inH: 6, inW: 8, c: 8, k: [2, 2], stride: [2, 2], dilation: [1, 1], pad: [0, 0], ties: false },
  { name: '3x3 stride 1 padded (overlapping), 1 channel, ties', n: 2, inH: 7, inW: 5, c: 1, k: [3, 3], stride: [1, 1], dilation: [1, 1], pad: [1, 1], ties: true },
  { name: '3x3 stride 2 padded, 3 channels, ties', n: 2, inH: 9, inW: 7, c: 3, k: [3, 3], stride: [2, 2], dilation: [1, 1], pad: [1, 1], ties: true },
  { name: '2x3 stride 1x2, dilation 2, 17 channels', n: 2, inH: 8, inW: 9, c: 17, k: [2, 3], stride: [1, 2], dilation: [2, 2], pad: [1, 0], ties: false },
  { name: '1x1 with padding 1: all-padding corner windows', n: 1, inH: 2, inW: 3, c: 3, k: [1, 1], stride: [1, 1], dilation: [1, 1], pad: [1, 1], ties: false },
  { name: '2x2 stride 2, 8 channels, batch 64 x 28 x 28 (threads)', n: 64, inH: 28, inW: 28, c: 8, k: [2, 2], stride: [2, 2], dilation: [1, 1], pad: [0, 0], ties: true },
];

interface PoolSetup {
  readonly x: Float32Array;
  readonly geometry: Int32Array;
  readonly outH: number;
  readonly outW: number;
}

function poolSetup(p: PoolCase, seed: number): PoolSetup {
  const { packed: geometry, outH, outW } = packPoolGeometry(p);
  const x = uniform(p.n * p.inH * p.inW * p.c, seed, -2, 2);
  if (p.ties) for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i]!);
  return { x, geometry, outH, outW };
}

describe.skipIf(skip)(`native maxPoolArgmax and maxPoolGradArgmax vs a TypeScript reference and maxPool/maxPoolGrad${skipNote}`, () => {
  let seed = 500;
  for (const p of POOL_CASES) {
    const caseSeed = seed++;
    it(p.name, () => {
      const s = poolSetup(p, caseSeed);
      const ref = referenceArgmaxPool(p, s.x);
      const y = new Float32Array(ref.y.length), argmax = new Int32Array(ref.y.length);
      expect(addon().maxPoolArgmax(s.x, y, argmax, s.geometry)).toBe(STATUS.ok);
      expect(mismatches(argmax, ref.argmax)).toBe(0);
      expect(mismatches(y, ref.y)).toBe(0);
      const yPool = new Float32Array(y.length);
      expect(addon().maxPool(s.x, yPool, s.geometry)).toBe(STATUS.ok);
      expect(mismatches(y, yPool)).toBe(0);
      if (p.name.includes('all-padding')) expect(argmax.some((i) => i === -1)).toBe(true);

      const dy = uniform(y.length, caseSeed + 1);
      const inPerImage = p.inH * p.inW * p.c, outPerImage = s.outH * s.outW * p.c;
      const dx = new Float32Array(s.x.length).fill(7);
      expect(addon().maxPoolGradArgmax(dy, argmax, dx, inPerImage, outPerImage)).toBe(STATUS.ok);
      const expected = new Float32Array(s.x.length);
      for (let i = 0; i < dy.length; i++) if (ref.argmax[i]! >= 0) expected[ref.argmax[i]!] = Math.fround(expected[ref.argmax[i]!]! + dy[i]!);
      expect(mismatches(dx, expected)).toBe(0);
      // The same sums in the same order as maxPoolGrad, which finds the maxima again from x.
      const dxPool = new Float32Array(s.x.length);
      expect(addon().maxPoolGrad(dy, s.x, dxPool, s.geometry)).toBe(STATUS.ok);
      expect(mismatches(dx, dxPool)).toBe(0);
      // With `keep` (a ReLU's mask at the argmax): only outputs whose keep value is > 0 scatter.
      const keep = uniform(y.length, caseSeed + 2);
      const dxKept = new Float32Array(s.x.length).fill(7);
      expect(addon().maxPoolGradArgmax(dy, argmax, dxKept, inPerImage, outPerImage, keep)).toBe(STATUS.ok);
      const expectedKept = new Float32Array(s.x.length);
      for (let i = 0; i < dy.length; i++) if (ref.argmax[i]! >= 0 && keep[i]! > 0) expectedKept[ref.argmax[i]!] = Math.fround(expectedKept[ref.argmax[i]!]! + dy[i]!);
      expect(mismatches(dxKept, expectedKept)).toBe(0);
      expect(keep.some((k) => k <= 0) && keep.some((k) => k > 0)).toBe(true);
      expect(addon().maxPoolGradArgmax(dy, argmax, dxKept, inPerImage, outPerImage, keep.subarray(1))).toBe(STATUS.badArguments);
    });
  }

  it('bad arguments (sizes, an index outside its image) are a status, not an exception', () => {
    const p = POOL_CASES[0]!;
    const s = poolSetup(p, 1);
    const outLength = p.n * s.outH * s.outW * p.c;
    const y = new Float32Array(outLength), argmax = new Int32Array(outLength);
    expect(addon().maxPoolArgmax(s.x, y, new Int32Array(outLength - 1), s.geometry)).toBe(STATUS.badArguments);
    expect(addon().maxPoolArgmax(s.x, new Float32Array(outLength + 1), argmax, s.geometry)).toBe(STATUS.badArguments);
    expect(addon().maxPoolArgmax(s.x, y, argmax, s.geometry.subarray(0, 13))).toBe(STATUS.badArguments);
    expect(addon().maxPoolArgmax(s.x, y, argmax, s.geometry)).toBe(STATUS.ok);
    const inPerImage = p.inH * p.inW * p.c, outPerImage = s.outH * s.outW * p.c;
    const dx = new Float32Array(s.x.length);
    expect(addon().maxPoolGradArgmax(y, argmax, dx, inPerImage, outPerImage)).toBe(STATUS.ok);
    expect(addon().maxPoolGradArgmax(y, argmax, dx.subarray(1), inPerImage, outPerImage)).toBe(STATUS.badArguments);
    expect(addon().maxPoolGradArgmax(y, argmax, dx, inPerImage, outPerImage + 1)).toBe(STATUS.badArguments);
    expect(addon().maxPoolGradArgmax(y, argmax, dx, 0, outPerImage)).toBe(STATUS.badArguments);
    const outside = argmax.slice();
    outside[0] = inPerImage; // image 1's first cell, from image 0's output
    expect(addon().maxPoolGradArgmax(y, outside, dx, inPerImage, outPerImage)).toBe(STATUS.badArguments);
    outside[0] = s.x.length;
    expect(addon().maxPoolGradArgmax(y, outside, dx, inPerImage, outPerImage)).toBe(STATUS.badArguments);
  });
});

describe.skipIf(skip)(`native adamStep vs optimizers.ts's Adam on the TF.js CPU backend${skipNote}`, () => {
  const specs: readonly Extract<OptimizerSpec, { kind: 'adam' }>[] = [
    { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    { kind: 'adam', lr: 0.05, beta1: 0.5, beta2: 0.99, epsilon: 1e-6, weightDecay: 1e-2 },
  ];
  for (const spec of specs) {
    it(`lr ${spec.lr}, betas ${spec.beta1}/${spec.beta2}, weight decay ${spec.weightDecay}: the same bits for 4 steps`, async () => {
      await tf.setBackend('cpu');
      const n = 1031, steps = 4;
      const param = uniform(n, 40), m = new Float32Array(n), v = new Float32Array(n);
      const variable = tf.variable(tf.tensor1d(param.slice())); // a copy: the CPU backend keeps the array it is given
      const optimizer = createOptimizer(spec, [{ name: 'w', variable, lrScale: 1 }]);
      // A plain float32 reference, op by op in the kernel's documented order.
      const refParam = param.slice(), refM = new Float32Array(n), refV = new Float32Array(n);
      const f = Math.fround;
      for (let t = 1; t <= steps; t++) {
        const grad = uniform(n, 40 + t);
        const lr = spec.lr * t; // a schedule's rate changes from step to step
        const stepSize = lr / (1 - Math.pow(spec.beta1, t));
        const bc2Sqrt = Math.sqrt(1 - Math.pow(spec.beta2, t));
        expect(addon().adamStep(param, grad, m, v, stepSize, spec.beta1, spec.beta2, spec.epsilon, spec.weightDecay, bc2Sqrt)).toBe(STATUS.ok);
        const g = tf.tensor1d(grad);
        optimizer.step(new Map([['w', g]]), lr);
        g.dispose();
        for (let i = 0; i < n; i++) {
          const gi = spec.weightDecay !== 0 ? f(grad[i]! + f(refParam[i]! * f(spec.weightDecay))) : grad[i]!;
          refM[i] = f(f(refM[i]! * f(spec.beta1)) + f(gi * f(1 - spec.beta1)));
          refV[i] = f(f(refV[i]! * f(spec.beta2)) + f(f(gi * gi) * f(1 - spec.beta2)));
          const denom = f(f(f(Math.sqrt(refV[i]!)) / f(bc2Sqrt)) + f(spec.epsilon));
          refParam[i] = f(refParam[i]! - f(f(refM[i]! / denom) * f(stepSize)));
        }
        expect(mismatches(m, refM)).toBe(0);
        expect(mismatches(v, refV)).toBe(0);
        expect(mismatches(param, refParam)).toBe(0);
        expect(mismatches(param, Float32Array.from(variable.dataSync()))).toBe(0);
      }
      optimizer.dispose();
      variable.dispose();
    });
  }

  it('bad arguments are a status, not an exception', () => {
    const a = new Float32Array(8), b = new Float32Array(7);
    expect(addon().adamStep(a, a.slice(), b, a.slice(), 1e-3, 0.9, 0.999, 1e-8, 0, 1)).toBe(STATUS.badArguments);
    expect(addon().adamStep(a, b, a.slice(), a.slice(), 1e-3, 0.9, 0.999, 1e-8, 0, 1)).toBe(STATUS.badArguments);
  });
});

describe.skipIf(skip)(`native channelSums, accumulate and sgdStep in place${skipNote}`, () => {
  for (const [rows, channels] of [[1, 1], [1000, 1], [37, 3], [129, 17], [9, 1001], [20011, 17]] as const) {
    it(`channelSums over ${rows} rows x ${channels} channels`, () => {
      const x = uniform(rows * channels, rows + channels, -1, 3);
      const out = new Float32Array(channels);
      expect(addon().channelSums(x, out, channels)).toBe(STATUS.ok);
      const expected = new Float64Array(channels);
      for (let i = 0; i < x.length; i++) expected[i % channels]! += x[i]!;
      expect(relativeError(out, expected)).toBeLessThan(TOLERANCE);
      const again = new Float32Array(channels);
      addon().channelSums(x, again, channels);
      expect(mismatches(again, out)).toBe(0);
    });
  }

  it('channelSums: bad arguments are a status', () => {
    expect(addon().channelSums(new Float32Array(10), new Float32Array(3), 3)).toBe(STATUS.badArguments);
    expect(addon().channelSums(new Float32Array(9), new Float32Array(2), 3)).toBe(STATUS.badArguments);
  });

  for (const n of [1, 19, 300001]) {
    it(`accumulate over ${n} floats`, () => {
      const dst = uniform(n, 60), src = uniform(n, 61);
      const expected = dst.map((d, i) => Math.fround(d + src[i]!));
      expect(addon().accumulate(dst, src)).toBe(STATUS.ok);
      expect(mismatches(dst, expected)).toBe(0);
    });
  }

  it('accumulate: different lengths are a status', () => {
    expect(addon().accumulate(new Float32Array(4), new Float32Array(5))).toBe(STATUS.badArguments);
  });

  for (const [momentum, nesterov] of [[0.9, 0], [0.9, 1], [0, 0]] as const) {
    it(`sgdStep in place (newParam = param, newBuf = buf) equals the out-of-place step, momentum ${momentum}, nesterov ${nesterov}`, () => {
      const n = 300007, lr = 0.05, wd = 5e-4;
      const param = uniform(n, 70), grad = uniform(n, 71), buf = uniform(n, 72);
      const newParam = new Float32Array(n), newBuf = new Float32Array(n);
      const useBuf = momentum !== 0;
      expect(addon().sgdStep(param, grad, useBuf ? buf : null, newParam, useBuf ? newBuf : null, lr, momentum, wd, nesterov)).toBe(STATUS.ok);
      expect(addon().sgdStep(param, grad, useBuf ? buf : null, param, useBuf ? buf : null, lr, momentum, wd, nesterov)).toBe(STATUS.ok);
      expect(mismatches(param, newParam)).toBe(0);
      if (useBuf) expect(mismatches(buf, newBuf)).toBe(0);
    });
  }
});
