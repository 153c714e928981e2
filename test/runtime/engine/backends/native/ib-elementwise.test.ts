/**
 * The native kernels of the IB module's elementwise ops (native/src/softplus.cc, sample.cc) against
 * the JavaScript loops the compiled step ran before them: softplus(x + shift) and
 * dy * sigmoid(x + shift) in double rounded once to float, and mean + std * eps likewise. The
 * softplus kernel evaluates exp and log1p by its own polynomials, accurate to ~1e-13, so a result
 * may differ from the loop's by one float ulp where the double value lies that close to a rounding
 * boundary (none did on these inputs); Sample's arithmetic is the loop's exactly.
 */
import { describe, expect, it } from 'vitest';
import { STATUS, loadAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';
import { Random } from '../../../../../src/support/random.js';

const loaded = loadAddon();
const inCi = process.env.CI === 'true';
if (!loaded.ok && !inCi) console.warn(`native IB elementwise tests skipped: ${loaded.reason}`);

/** The compiled step's former JavaScript loops, the definition the kernels must keep. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}
function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Distance in float32 steps between two floats (0 for equal values and for -0 against 0). */
function ulps(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const ordered = (i: number): number => (i < 0 ? -(i & 0x7fffffff) : i);
  return Math.abs(ordered(bits[0]!) - ordered(bits[1]!));
}

/** Where `actual` and `expected` disagree by more than `tolerance` ulps, or in being NaN (the first few). */
function disagreements(actual: Float32Array, expected: Float32Array, inputs: Float32Array, tolerance: number): string[] {
  const found: string[] = [];
  for (let i = 0; i < expected.length && found.length < 5; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const bad = Number.isNaN(e) || Number.isNaN(a) ? Number.isNaN(e) !== Number.isNaN(a) : ulps(a, e) > tolerance;
    if (bad) found.push(`x = ${inputs[i]}: ${a}, expected ${e}`);
  }
  return found;
}

function countDifferent(actual: Float32Array, expected: Float32Array): number {
  let n = 0;
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]!) && Number.isNaN(expected[i]!))) n++;
  return n;
}

/**
 * A dense sweep of [-120, 120] in steps of 1/128 (softplus's whole working range and both
 * saturations), every power of two with a few mantissas (subnormals to the largest float), the
 * edges, then random bit patterns (every exponent): 316,000 values, above the kernels' parallel
 * threshold so both the serial and the threaded loops run.
 */
function inputs(): Float32Array {
  const values: number[] = [];
  for (let i = -120 * 128; i <= 120 * 128; i++) values.push(i / 128);
  for (let e = -149; e <= 127; e++) for (const m of [1, 1.1, 1.5, 1.9999]) values.push(m * 2 ** e, -m * 2 ** e);
  values.push(0, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, -3.4028234663852886e38, 2 ** -149, -(2 ** -149));
  for (const edge of [15.9, 16, 16.1, 87.3, 88.7, 103.9, 104, 708, 709, 745]) values.push(edge, -edge, Math.fround(edge) + 2 ** -10);
  const bits = new Uint32Array(300_000 - values.length);
  const random = Random.fromSeed(17);
  for (let i = 0; i < bits.length; i++) bits[i] = Math.floor(random.next() * 2 ** 32) >>> 0;
  return Float32Array.from([...values, ...new Float32Array(bits.buffer)]);
}

// 0.5413...: log(e - 1), not a float; the others as the std heads' offsets may be.
const SHIFTS = [0, 0.5413248546129181, -5, 1e-3, 20];

describe.skipIf(!loaded.ok && !inCi)('native IB elementwise kernels', () => {
  const xs = inputs();
  const random = Random.fromSeed(23);
  const dy = random.fillNormal(new Float32Array(xs.length));
  dy.set([0, -0, Infinity, NaN, 1e30, -1e-30], 0);

  for (const shift of SHIFTS) {
    it(`shiftedSoftplus is the JavaScript loop's softplus(x + shift) within one ulp, NaN for NaN: shift ${shift}`, () => {
      if (!loaded.ok) throw new Error(loaded.reason);
      const y = new Float32Array(xs.length);
      expect(loaded.addon.shiftedSoftplus(xs, y, shift)).toBe(STATUS.ok);
      const expected = Float32Array.from(xs, (x) => softplus(x + shift));
      expect(disagreements(y, expected, xs, 1)).toEqual([]);
      // One-ulp differences are allowed but must stay rare (none were seen).
      expect(countDifferent(y, expected)).toBeLessThan(xs.length * 1e-4);
    });

    it(`shiftedSoftplusGrad writes and adds dy * sigmoid(x + shift) as the JavaScript loop did: shift ${shift}`, () => {
      if (!loaded.ok) throw new Error(loaded.reason);
      const dx = new Float32Array(xs.length);
      expect(loaded.addon.shiftedSoftplusGrad(xs, dy, dx, shift, 0)).toBe(STATUS.ok);
      const expected = Float32Array.from(xs, (x, i) => dy[i]! * sigmoid(x + shift));
      expect(disagreements(dx, expected, xs, 1)).toEqual([]);
      expect(countDifferent(dx, expected)).toBeLessThan(xs.length * 1e-4);

      const start = random.fillNormal(new Float32Array(xs.length));
      const sum = Float32Array.from(start);
      expect(loaded.addon.shiftedSoftplusGrad(xs, dy, sum, shift, 1)).toBe(STATUS.ok);
      const expectedSum = Float32Array.from(xs, (x, i) => start[i]! + dy[i]! * sigmoid(x + shift));
      expect(disagreements(sum, expectedSum, xs, 1)).toEqual([]);
      expect(countDifferent(sum, expectedSum)).toBeLessThan(xs.length * 1e-4);
    });
  }

  it('shiftedSoftplus refuses mismatched lengths and overlapping arrays', () => {
    if (!loaded.ok) throw new Error(loaded.reason);
    const buffer = new Float32Array(8);
    expect(loaded.addon.shiftedSoftplus(new Float32Array(4), new Float32Array(3), 0)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplus(buffer.subarray(0, 4), buffer.subarray(2, 6), 0)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplusGrad(new Float32Array(4), new Float32Array(4), new Float32Array(3), 0, 0)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplusGrad(buffer.subarray(0, 4), new Float32Array(4), buffer.subarray(3, 7), 0, 1)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplusGrad(new Float32Array(4), new Float32Array(4), new Float32Array(4), 0, 2)).toBe(STATUS.badArguments);
  });

  for (const tiles of [1, 4]) {
    it(`sample is the JavaScript loop's mean + std * eps bit for bit over ${tiles} tile(s)`, () => {
      if (!loaded.ok) throw new Error(loaded.reason);
      const rows = 37;
      const width = 50;
      const mean = random.fillNormal(new Float32Array(rows * width));
      const std = Float32Array.from(random.fillNormal(new Float32Array(rows * width)), (v) => Math.exp(v) / 3);
      mean.set([NaN, Infinity, 1e38, 0], 0);
      std.set([1, 0, 1e38, Infinity], 0);
      const eps = random.fillNormal(new Float32Array(tiles * rows * width));
      const y = new Float32Array(eps.length);
      expect(loaded.addon.sample(mean, std, eps, y)).toBe(STATUS.ok);
      const expected = new Float32Array(y.length);
      for (let r = 0; r < tiles * rows; r++) {
        const src = (r % rows) * width;
        const dst = r * width;
        for (let j = 0; j < width; j++) expected[dst + j] = mean[src + j]! + std[src + j]! * eps[dst + j]!;
      }
      expect(y).toEqual(expected);
    });
  }

  it('sample refuses lengths that do not tile and overlapping arrays', () => {
    if (!loaded.ok) throw new Error(loaded.reason);
    const f = (n: number): Float32Array => new Float32Array(n);
    expect(loaded.addon.sample(f(6), f(6), f(15), f(15))).toBe(STATUS.badArguments);
    expect(loaded.addon.sample(f(6), f(5), f(12), f(12))).toBe(STATUS.badArguments);
    expect(loaded.addon.sample(f(6), f(6), f(12), f(18))).toBe(STATUS.badArguments);
    expect(loaded.addon.sample(f(0), f(0), f(0), f(0))).toBe(STATUS.badArguments);
    const buffer = f(24);
    expect(loaded.addon.sample(buffer.subarray(0, 6), f(6), f(12), buffer.subarray(4, 16))).toBe(STATUS.badArguments);
  });
});
