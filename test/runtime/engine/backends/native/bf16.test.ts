/**
 * The bf16 precision of the native convolution and matrix-product kernels (PRECISION.bf16):
 * each result against a double-precision reference computed from the operands rounded to
 * bfloat16 (round to nearest even, what the AVX512_BF16 conversion does), which a bf16
 * kernel with float32 accumulation matches to float32 rounding; against the float32 kernel
 * within bf16's tolerance; and far enough from the float32 result to show that the bf16
 * arithmetic really ran. On a CPU without native bf16 kernels (or with ONEDNN_MAX_CPU_ISA
 * below them) every bf16 call is refused with STATUS.unsupported, never run slowly.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { PRECISION, STATUS, findAddon, loadAddon, type NativeAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';
import { randomArray } from '../../../../fixtures/native.js';

const loaded = loadAddon();
const inCi = process.env.CI === 'true';
if (!loaded.ok && !inCi) console.warn(`native bf16 kernel tests skipped: ${loaded.reason}`);
const skip = !loaded.ok && !inCi;
const bf16Here = loaded.ok && loaded.addon.info().bf16;

function addon(): NativeAddon {
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.addon;
}

const word = new Float32Array(1);
const bits = new Uint32Array(word.buffer);

/** x rounded to the nearest bfloat16, ties to even (finite inputs). */
function toBf16(x: number): number {
  word[0] = x;
  const b = bits[0]!;
  bits[0] = ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0;
  return word[0];
}

const rounded = (a: Float32Array): Float64Array => Float64Array.from(a, toBf16);

/** max|a - b| / max|b|. */
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

// A bf16 kernel against the reference on bf16-rounded operands: only float32 accumulation and the
// output's float32 rounding separate them.
const ACCUMULATION = 2e-5;
// A bf16 result against the float32 kernel's: operands carry 8 significant bits (relative
// rounding error up to 2^-9 each), so sums of a few hundred products move by ~1e-3 of the largest output.
const BF16_TOLERANCE = 1e-2;
// The float32 and bf16 results differ by more than this when the bf16 rounding really happened.
const ROUNDING_SEEN = 2e-4;

interface ConvCase {
  readonly n: number; readonly h: number; readonly w: number; readonly c: number; readonly o: number;
  readonly k: number; readonly stride: number; readonly dilation: number; readonly pad: number;
}

/**
 * Whether a bf16 run computes the filter gradient of this layer in bf16: only layers of 16 to 128
 * input and at most 128 output channels that are no Winograd layer (ConvGeometry::Choose in
 * native/src/common.cc, docs/precision.md "Winograd layers"); the others' filter gradient is the
 * float32 kernel's for these narrow cases (wide layers on small maps run float32 Winograd, where
 * an fp32 run convolves directly: tested below).
 */
const bf16FilterGradient = (t: ConvCase): boolean => t.c >= 16 && t.c <= 128 && t.o <= 128;

const CONV_CASES: readonly ConvCase[] = [
  { n: 2, h: 9, w: 7, c: 5, o: 6, k: 3, stride: 1, dilation: 1, pad: 1 },
  { n: 3, h: 10, w: 11, c: 16, o: 8, k: 3, stride: 2, dilation: 1, pad: 1 },
  { n: 2, h: 8, w: 8, c: 24, o: 40, k: 1, stride: 1, dilation: 1, pad: 0 },
  { n: 1, h: 12, w: 12, c: 4, o: 3, k: 3, stride: 1, dilation: 2, pad: 2 },
  { n: 2, h: 7, w: 7, c: 64, o: 32, k: 3, stride: 1, dilation: 1, pad: 1 },
];

function outSize(t: ConvCase, size: number): number {
  return Math.floor((size + 2 * t.pad - t.dilation * (t.k - 1) - 1) / t.stride) + 1;
}

function geometry(t: ConvCase): Int32Array {
  const oh = outSize(t, t.h), ow = outSize(t, t.w);
  const padBottom = (oh - 1) * t.stride + t.dilation * (t.k - 1) + 1 - t.h - t.pad;
  const padRight = (ow - 1) * t.stride + t.dilation * (t.k - 1) + 1 - t.w - t.pad;
  return Int32Array.from([t.n, t.h, t.w, t.c, oh, ow, t.o, t.k, t.k, t.stride, t.stride, t.dilation, t.dilation, t.pad, t.pad, padBottom, padRight]);
}

/** Visits every (input index, filter index, output index) of an NHWC/HWIO convolution. */
function eachTap(t: ConvCase, visit: (xi: number, wi: number, yi: number) => void): void {
  const oh = outSize(t, t.h), ow = outSize(t, t.w);
  for (let n = 0; n < t.n; n++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let ky = 0; ky < t.k; ky++)
          for (let kx = 0; kx < t.k; kx++) {
            const iy = y * t.stride + ky * t.dilation - t.pad, ix = x * t.stride + kx * t.dilation - t.pad;
            if (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w) continue;
            for (let c = 0; c < t.c; c++)
              for (let o = 0; o < t.o; o++) {
                visit(((n * t.h + iy) * t.w + ix) * t.c + c, ((ky * t.k + kx) * t.c + c) * t.o + o, ((n * oh + y) * ow + x) * t.o + o);
              }
          }
}

/** sums[i] += value (a reference accumulator, every index in range). */
function addAt(sums: Float64Array, i: number, value: number): void {
  sums[i] = (sums[i] ?? 0) + value;
}

/** The first index where a and b differ bit for bit (-1: none); a loop, as toEqual is slow on a million floats. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

const label = (t: ConvCase): string => `${t.n}x${t.h}x${t.w}x${t.c} k${t.k}->${t.o} s${t.stride} d${t.dilation}`;

/** The three checks of one bf16 result: the bf16 reference, the float32 kernel, and a visible rounding. */
function expectBf16(bf16: Float32Array, fp32: Float32Array, reference: Float64Array): void {
  expect(relativeError(bf16, reference)).toBeLessThan(ACCUMULATION);
  const fromFp32 = relativeError(bf16, fp32);
  expect(fromFp32).toBeLessThan(BF16_TOLERANCE);
  expect(fromFp32).toBeGreaterThan(ROUNDING_SEEN);
}

describe.skipIf(skip || !bf16Here)(`native kernels in bf16 precision: parity with float32 within bf16 tolerances${skip ? ' (skipped: no addon)' : !bf16Here ? ' (skipped: this CPU has no native bf16 kernels; the refusal is tested below)' : ''}`, () => {
  for (const [i, t] of CONV_CASES.entries()) {
    const g = geometry(t);
    const oh = outSize(t, t.h), ow = outSize(t, t.w);
    const x = randomArray(t.n * t.h * t.w * t.c, 100 + i);
    const w = randomArray(t.k * t.k * t.c * t.o, 200 + i);
    const bias = randomArray(t.o, 300 + i);
    const dy = randomArray(t.n * oh * ow * t.o, 400 + i);
    const xr = rounded(x), wr = rounded(w), dyr = rounded(dy);

    it(`conv2d (with bias) ${label(t)}`, () => {
      const ref = new Float64Array(dy.length);
      eachTap(t, (xi, wi, yi) => addAt(ref, yi, xr[xi]! * wr[wi]!));
      for (let j = 0; j < ref.length; j++) addAt(ref, j, bias[j % t.o]!); // the bias stays float32
      const fp32 = new Float32Array(dy.length), bf16 = new Float32Array(dy.length);
      expect(addon().conv2d(x, w, bias, fp32, g, 0, 0, PRECISION.fp32)).toBe(STATUS.ok);
      expect(addon().conv2d(x, w, bias, bf16, g, 0, 0, PRECISION.bf16)).toBe(STATUS.ok);
      expectBf16(bf16, fp32, ref);
    });

    it(`conv2dBackpropInput ${label(t)}`, () => {
      const ref = new Float64Array(x.length);
      eachTap(t, (xi, wi, yi) => addAt(ref, xi, dyr[yi]! * wr[wi]!));
      const fp32 = new Float32Array(x.length), bf16 = new Float32Array(x.length);
      expect(addon().conv2dBackpropInput(dy, w, fp32, g, PRECISION.fp32)).toBe(STATUS.ok);
      expect(addon().conv2dBackpropInput(dy, w, bf16, g, PRECISION.bf16)).toBe(STATUS.ok);
      expectBf16(bf16, fp32, ref);
    });

    it(`conv2dBackpropFilter ${label(t)} (${bf16FilterGradient(t) ? 'bf16' : 'float32: fewer than 16 input channels'})`, () => {
      const ref = new Float64Array(w.length);
      eachTap(t, (xi, wi, yi) => addAt(ref, wi, xr[xi]! * dyr[yi]!));
      const fp32 = new Float32Array(w.length), bf16 = new Float32Array(w.length);
      expect(addon().conv2dBackpropFilter(x, dy, fp32, g, PRECISION.fp32)).toBe(STATUS.ok);
      expect(addon().conv2dBackpropFilter(x, dy, bf16, g, PRECISION.bf16)).toBe(STATUS.ok);
      if (bf16FilterGradient(t)) expectBf16(bf16, fp32, ref);
      else expect(bf16).toEqual(fp32); // the same float32 primitive, bit for bit
    });
  }

  // A Winograd layer with 256 channels: in a bf16 run all three passes run the float32 Winograd
  // algorithm, in chunks of images (ConvGeometry::ChunkImages: 2^20 floats, here 16 of the 17
  // images, then 1). Each pass matches the float32 kernel's to float32 rounding (forward and input
  // gradient: the same arithmetic per image; filter gradient: the two chunks' float32 sums added),
  // and no bf16 rounding happened.
  const wide: ConvCase = { n: 17, h: 16, w: 16, c: 256, o: 256, k: 3, stride: 1, dilation: 1, pad: 1 };
  const FLOAT32_ROUNDING = 1e-5;
  it(`a Winograd layer ${label(wide)}: every pass is the float32 Winograd one, in chunks of images`, () => {
    const g = geometry(wide);
    const x = randomArray(wide.n * 16 * 16 * 256, 700), w = randomArray(9 * 256 * 256, 701), dy = randomArray(wide.n * 16 * 16 * 256, 702);
    const pass = (run: (p: typeof PRECISION.fp32 | typeof PRECISION.bf16, out: Float32Array) => number, length: number): void => {
      const fp32 = new Float32Array(length), bf16 = new Float32Array(length);
      expect(run(PRECISION.fp32, fp32)).toBe(STATUS.ok);
      expect(run(PRECISION.bf16, bf16)).toBe(STATUS.ok);
      expect(relativeError(bf16, fp32)).toBeLessThan(FLOAT32_ROUNDING);
    };
    pass((p, out) => addon().conv2d(x, w, null, out, g, 0, 0, p), dy.length);
    pass((p, out) => addon().conv2dBackpropInput(dy, w, out, g, p), x.length);
    pass((p, out) => addon().conv2dBackpropFilter(x, dy, out, g, p), w.length);
  });

  // The same layer's chunks against float32 calls on the same images (16, then 1), bit for bit: each
  // chunk runs the float32 Winograd primitive an fp32 call of its size runs, the filter is relaid once
  // per call and read by every chunk, and the filter gradient adds the chunks' sums in the
  // primitive's blocked layout before one copy to HWIO (the float32 additions, in chunk order, that
  // adding HWIO copies makes).
  it(`a Winograd layer ${label(wide)}: each chunk's result is the float32 kernel's on its images, bit for bit`, () => {
    const [head, rest] = [16, 1];
    const one = (n: number): ConvCase => ({ ...wide, n });
    const x = randomArray(wide.n * 16 * 16 * 256, 710), w = randomArray(9 * 256 * 256, 711), dy = randomArray(wide.n * 16 * 16 * 256, 712);
    const image = 16 * 16 * 256;
    const split = (a: Float32Array): [Float32Array, Float32Array] => [a.subarray(0, head * image), a.subarray(head * image)];
    const [xHead, xRest] = split(x), [dyHead, dyRest] = split(dy);
    const run = (call: (out: Float32Array) => number, length: number): Float32Array => {
      const out = new Float32Array(length);
      expect(call(out)).toBe(STATUS.ok);
      return out;
    };
    const joined = (a: Float32Array, b: Float32Array): Float32Array => {
      const out = new Float32Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    };
    const g = geometry(wide), gHead = geometry(one(head)), gRest = geometry(one(rest));
    const forward = run((out) => addon().conv2d(x, w, null, out, g, 0, 0, PRECISION.bf16), dy.length);
    expect(firstDifference(forward, joined(
      run((out) => addon().conv2d(xHead, w, null, out, gHead, 0, 0, PRECISION.fp32), head * image),
      run((out) => addon().conv2d(xRest, w, null, out, gRest, 0, 0, PRECISION.fp32), rest * image),
    ))).toBe(-1);
    const input = run((out) => addon().conv2dBackpropInput(dy, w, out, g, PRECISION.bf16), x.length);
    expect(firstDifference(input, joined(
      run((out) => addon().conv2dBackpropInput(dyHead, w, out, gHead, PRECISION.fp32), head * image),
      run((out) => addon().conv2dBackpropInput(dyRest, w, out, gRest, PRECISION.fp32), rest * image),
    ))).toBe(-1);
    const filter = run((out) => addon().conv2dBackpropFilter(x, dy, out, g, PRECISION.bf16), w.length);
    const sum = run((out) => addon().conv2dBackpropFilter(xHead, dyHead, out, gHead, PRECISION.fp32), w.length);
    const restSum = run((out) => addon().conv2dBackpropFilter(xRest, dyRest, out, gRest, PRECISION.fp32), w.length);
    for (let j = 0; j < sum.length; j++) sum[j] = sum[j]! + restSum[j]!; // rounded to float32 on store
    expect(firstDifference(filter, sum)).toBe(-1);
  });

  // Wide Winograd-shaped layers on maps below 16x16, which an fp32 run convolves directly: in a bf16
  // run the forward pass is bf16 direct convolution, the input gradient float32 Winograd from 8x8
  // maps up (bf16 below), the filter gradient float32 Winograd from 4x4 maps up (ConvGeometry::Choose,
  // the measurements beside it). A float32 Winograd pass shows as a result within Winograd's own
  // error of the float32 direct kernel's (closer than any bf16 rounding: ROUNDING_SEEN) and not equal
  // to it; a bf16 pass as expectBf16's distance.
  const WINOGRAD_ERROR = 1e-4;
  const expectWinograd = (bf16: Float32Array, fp32: Float32Array): void => {
    expect(relativeError(bf16, fp32)).toBeLessThan(WINOGRAD_ERROR);
    expect(firstDifference(bf16, fp32)).not.toBe(-1);
  };
  const expectBf16Rounding = (bf16: Float32Array, fp32: Float32Array): void => {
    const fromFp32 = relativeError(bf16, fp32);
    expect(fromFp32).toBeLessThan(BF16_TOLERANCE);
    expect(fromFp32).toBeGreaterThan(ROUNDING_SEEN);
  };
  for (const [size, inputGradient] of [[8, 'winograd'], [4, 'bf16']] as const) {
    const t: ConvCase = { n: 2, h: size, w: size, c: 256, o: 256, k: 3, stride: 1, dilation: 1, pad: 1 };
    it(`a wide layer on ${size}x${size} maps ${label(t)}: forward bf16, input gradient ${inputGradient}, filter gradient float32 Winograd`, () => {
      const g = geometry(t);
      const x = randomArray(t.n * size * size * 256, 720 + size), w = randomArray(9 * 256 * 256, 730 + size), dy = randomArray(t.n * size * size * 256, 740 + size);
      const both = (call: (p: typeof PRECISION.fp32 | typeof PRECISION.bf16, out: Float32Array) => number, length: number): [Float32Array, Float32Array] => {
        const fp32 = new Float32Array(length), bf16 = new Float32Array(length);
        expect(call(PRECISION.fp32, fp32)).toBe(STATUS.ok);
        expect(call(PRECISION.bf16, bf16)).toBe(STATUS.ok);
        return [bf16, fp32];
      };
      expectBf16Rounding(...both((p, out) => addon().conv2d(x, w, null, out, g, 0, 0, p), dy.length));
      const input = both((p, out) => addon().conv2dBackpropInput(dy, w, out, g, p), x.length);
      if (inputGradient === 'winograd') expectWinograd(...input);
      else expectBf16Rounding(...input);
      expectWinograd(...both((p, out) => addon().conv2dBackpropFilter(x, dy, out, g, p), w.length));
    });
  }

  // [batchA, batchB, m, n, k, transposeA, transposeB]: a dense layer's forward, weight gradient
  // (x^T dy) and input gradient (dy W^T), and a broadcast batch.
  const MATMUL_CASES: readonly (readonly [number, number, number, number, number, number, number])[] = [
    [1, 1, 33, 20, 70, 0, 0],
    [1, 1, 70, 20, 33, 1, 0],
    [1, 1, 33, 70, 20, 0, 1],
    [3, 1, 5, 6, 40, 0, 0],
  ];
  for (const [i, dims] of MATMUL_CASES.entries()) {
    const [ba, bb, m, n, k, ta, tb] = dims;
    it(`matmul [${dims.join(', ')}]`, () => {
      const a = randomArray(ba * m * k, 500 + i), b = randomArray(bb * k * n, 600 + i);
      const ar = rounded(a), br = rounded(b);
      const batch = Math.max(ba, bb);
      const ref = new Float64Array(batch * m * n);
      for (let p = 0; p < batch; p++)
        for (let r = 0; r < m; r++)
          for (let c = 0; c < n; c++) {
            let sum = 0;
            for (let j = 0; j < k; j++) {
              const av = ar[(ba === 1 ? 0 : p) * m * k + (ta ? j * m + r : r * k + j)]!;
              const bv = br[(bb === 1 ? 0 : p) * k * n + (tb ? c * k + j : j * n + c)]!;
              sum += av * bv;
            }
            ref[(p * m + r) * n + c] = sum;
          }
      const fp32 = new Float32Array(ref.length), bf16 = new Float32Array(ref.length);
      expect(addon().matmul(a, b, null, fp32, Int32Array.from(dims), 0, 0, PRECISION.fp32)).toBe(STATUS.ok);
      expect(addon().matmul(a, b, null, bf16, Int32Array.from(dims), 0, 0, PRECISION.bf16)).toBe(STATUS.ok);
      expectBf16(bf16, fp32, ref);
    });
  }

  it('a precision other than 0 or 1 is refused as a bad argument', () => {
    const t = CONV_CASES[0]!;
    const out = new Float32Array(t.n * outSize(t, t.h) * outSize(t, t.w) * t.o);
    const bad = 2 as unknown as typeof PRECISION.bf16;
    expect(addon().conv2d(new Float32Array(t.n * t.h * t.w * t.c), new Float32Array(9 * t.c * t.o), null, out, geometry(t), 0, 0, bad)).toBe(STATUS.badArguments);
  });
});

describe.skipIf(skip)('native bf16 on a CPU without native bf16 kernels', () => {
  it('info() says so and every bf16 kernel returns STATUS.unsupported (oneDNN limited to AVX-512 without BF16)', () => {
    // ONEDNN_MAX_CPU_ISA is oneDNN's own switch: the addon then sees the CPU a machine without
    // AVX512_BF16 would show it, so the refusal is tested on any machine.
    const found = findAddon();
    if (!('path' in found)) throw new Error(found.why);
    const script = `
      const a = require(${JSON.stringify(found.path)});
      const g = Int32Array.from([1, 4, 4, 2, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1]);
      const f = (n) => new Float32Array(n);
      console.log(JSON.stringify({
        info: a.info(),
        conv: a.conv2d(f(32), f(36), null, f(32), g, 0, 0, 1),
        input: a.conv2dBackpropInput(f(32), f(36), f(32), g, 1),
        filter: a.conv2dBackpropFilter(f(32), f(32), f(36), g, 1),
        matmul: a.matmul(f(6), f(6), null, f(4), Int32Array.from([1, 1, 2, 2, 3, 0, 0]), 0, 0, 1),
        fp32: a.conv2d(f(32), f(36), null, f(32), g, 0, 0, 0),
      }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' } });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { info: { isa: string; bf16: boolean }; conv: number; input: number; filter: number; matmul: number; fp32: number };
    expect(result.info.bf16).toBe(false);
    expect(['avx512_core_bf16', 'avx512_core_amx']).not.toContain(result.info.isa);
    expect([result.conv, result.input, result.filter, result.matmul]).toEqual([STATUS.unsupported, STATUS.unsupported, STATUS.unsupported, STATUS.unsupported]);
    expect(result.fp32).toBe(STATUS.ok);
  });
});
