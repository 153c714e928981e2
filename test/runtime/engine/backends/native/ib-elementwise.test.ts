/**
 * The native kernels of the IB module's elementwise ops (native/src/softplus.cc, sample.cc) against
 * the JavaScript loops the compiled step ran before them: softplus(x + shift) and
 * dy * sigmoid(x + shift) in double rounded once to float, and mean + std * eps likewise. The
 * softplus kernel evaluates exp and log1p by its own polynomials, a few double ulps from Math's, and
 * lists the values whose float that could change (for the caller to compute): every other value
 * must be the loop's exactly, and the list short. Sample's arithmetic is the loop's exactly.
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

/**
 * Where the kernel's `actual` differs from `expected` (bit for bit; any NaN equals any NaN) at an
 * index it did not list as undecided, the first few; and the listed indices, checked to be distinct
 * and in range.
 */
function check(actual: Float32Array, expected: Float32Array, inputs: Float32Array, undecided: Int32Array): { wrong: string[]; listed: Set<number> } {
  const count = undecided[0]!;
  const listed = new Set(Array.from(undecided.subarray(1, 1 + count)));
  expect(listed.size).toBe(count);
  for (const i of listed) expect(i >= 0 && i < expected.length).toBe(true);
  const wrong: string[] = [];
  for (let i = 0; i < expected.length && wrong.length < 5; i++) {
    if (listed.has(i)) continue;
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) wrong.push(`x = ${inputs[i]}: ${a}, expected ${e}`);
  }
  return { wrong, listed };
}

/**
 * A dense sweep of [-120, 120] in steps of 1/128 (softplus's whole working range and both
 * saturations) and normal values of the scale the std heads see: TYPICAL values, on which the list
 * of undecided values must stay short. Then every power of two with a few mantissas (subnormals to
 * the largest float), the edges and random bit patterns (every exponent), where only exactness is
 * required: sums of tiny arguments with simple floats sit on rounding boundaries by construction.
 * 366,000 values, above the kernels' parallel threshold, so both the serial and the threaded
 * loops run.
 */
const TYPICAL = 120 * 128 * 2 + 1 + 50_000;

function inputs(): Float32Array {
  const values: number[] = [];
  for (let i = -120 * 128; i <= 120 * 128; i++) values.push(i / 128);
  const random = Random.fromSeed(17);
  for (const v of random.fillNormal(new Float32Array(50_000))) values.push(3 * v);
  for (let e = -149; e <= 127; e++) for (const m of [1, 1.1, 1.5, 1.9999]) values.push(m * 2 ** e, -m * 2 ** e);
  values.push(0, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, -3.4028234663852886e38, 2 ** -149, -(2 ** -149));
  for (const edge of [15.9, 16, 16.1, 36.7, 37.4, 40, 87.3, 88.7, 103.9, 104, 708, 709, 745]) values.push(edge, -edge, Math.fround(edge) + 2 ** -10);
  const bits = new Uint32Array(366_000 - values.length);
  for (let i = 0; i < bits.length; i++) bits[i] = Math.floor(random.next() * 2 ** 32) >>> 0;
  return Float32Array.from([...values, ...new Float32Array(bits.buffer)]);
}

/** How many of the TYPICAL values were listed. */
function typicalListed(listed: Set<number>): number {
  let n = 0;
  for (const i of listed) if (i < TYPICAL) n++;
  return n;
}

// 0.5413...: log(e - 1), not a float; the others as the std heads' offsets may be.
const SHIFTS = [0, 0.5413248546129181, -5, 1e-3, 20];

describe.skipIf(!loaded.ok && !inCi)('native IB elementwise kernels', () => {
  const xs = inputs();
  const random = Random.fromSeed(23);
  const dy = random.fillNormal(new Float32Array(xs.length));
  dy.set([0, -0, Infinity, NaN, 1e30, -1e-30], 0);

  for (const shift of SHIFTS) {
    it(`shiftedSoftplus is the JavaScript loop's softplus(x + shift) but for the few values it lists: shift ${shift}`, () => {
      if (!loaded.ok) throw new Error(loaded.reason);
      const y = new Float32Array(xs.length);
      const undecided = new Int32Array(xs.length + 1);
      expect(loaded.addon.shiftedSoftplus(xs, y, shift, undecided)).toBe(STATUS.ok);
      const expected = Float32Array.from(xs, (x) => softplus(x + shift));
      const { wrong, listed } = check(y, expected, xs, undecided);
      expect(wrong).toEqual([]);
      expect(typicalListed(listed)).toBeLessThan(TYPICAL * 1e-4);
    });

    it(`shiftedSoftplusGrad writes and adds dy * sigmoid(x + shift) as the JavaScript loop did but for the values it lists: shift ${shift}`, () => {
      if (!loaded.ok) throw new Error(loaded.reason);
      const dx = new Float32Array(xs.length);
      const undecided = new Int32Array(xs.length + 1);
      expect(loaded.addon.shiftedSoftplusGrad(xs, dy, dx, shift, 0, undecided)).toBe(STATUS.ok);
      const expected = Float32Array.from(xs, (x, i) => dy[i]! * sigmoid(x + shift));
      const written = check(dx, expected, xs, undecided);
      expect(written.wrong).toEqual([]);
      expect(typicalListed(written.listed)).toBeLessThan(TYPICAL * 1e-4);

      const start = random.fillNormal(new Float32Array(xs.length));
      const sum = Float32Array.from(start);
      expect(loaded.addon.shiftedSoftplusGrad(xs, dy, sum, shift, 1, undecided)).toBe(STATUS.ok);
      const expectedSum = Float32Array.from(xs, (x, i) => start[i]! + dy[i]! * sigmoid(x + shift));
      const added = check(sum, expectedSum, xs, undecided);
      expect(added.wrong).toEqual([]);
      expect(typicalListed(added.listed)).toBeLessThan(TYPICAL * 1e-4);
      // A listed gradient keeps its value, for the caller to add to.
      for (const i of added.listed) expect(Object.is(sum[i], start[i])).toBe(true);
    });
  }

  it('shiftedSoftplus refuses mismatched lengths, a short undecided list and overlapping arrays', () => {
    if (!loaded.ok) throw new Error(loaded.reason);
    const f = (n: number): Float32Array => new Float32Array(n);
    const list = new Int32Array(5);
    const buffer = f(8);
    expect(loaded.addon.shiftedSoftplus(f(4), f(4), 0, list)).toBe(STATUS.ok);
    expect(loaded.addon.shiftedSoftplus(f(4), f(3), 0, list)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplus(f(4), f(4), 0, new Int32Array(4))).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplus(buffer.subarray(0, 4), buffer.subarray(2, 6), 0, list)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplusGrad(f(4), f(4), f(4), 0, 1, list)).toBe(STATUS.ok);
    expect(loaded.addon.shiftedSoftplusGrad(f(4), f(4), f(3), 0, 0, list)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplusGrad(f(4), f(4), f(4), 0, 0, new Int32Array(4))).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplusGrad(buffer.subarray(0, 4), f(4), buffer.subarray(3, 7), 0, 1, list)).toBe(STATUS.badArguments);
    expect(loaded.addon.shiftedSoftplusGrad(f(4), f(4), f(4), 0, 2, list)).toBe(STATUS.badArguments);
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
