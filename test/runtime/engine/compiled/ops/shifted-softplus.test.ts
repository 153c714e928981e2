/**
 * The compiled step's ShiftedSoftplus (ops/elementwise.ts) on the native kernel: its forward and
 * both kinds of backward (writing, adding) are the JavaScript formulas softplus(x + shift) and
 * dy * sigmoid(x + shift) bit for bit, the values the kernel lists as undecided included (those
 * the op computes itself, checked here with a kernel that lists some on purpose).
 */
import { describe, expect, it } from 'vitest';
import { STATUS, loadAddon, type NativeAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';
import { shiftedSoftplus } from '../../../../../src/runtime/engine/compiled/ops/elementwise.js';
import type { OpContext } from '../../../../../src/runtime/engine/compiled/op.js';
import type { GradTarget, NodeValue } from '../../../../../src/runtime/engine/compiled/values.js';
import type { IrNode } from '../../../../../src/compiler/ir/ir.js';
import { Random } from '../../../../../src/support/random.js';

const loaded = loadAddon();
const inCi = process.env.CI === 'true';
if (!loaded.ok && !inCi) console.warn(`compiled ShiftedSoftplus tests skipped: ${loaded.reason}`);

const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

const SHIFT = 0.5413248546129181;
const ROWS = 3;
const WIDTH = 700;

function value(node: IrNode, data: Float32Array, grad?: Float32Array): NodeValue {
  return { node, rows: ROWS, shape: [WIDTH], width: WIDTH, data, grad };
}

/** The op built over x (with a gradient target when given) on `kernels`. */
function build(kernels: NativeAddon, x: Float32Array, target: GradTarget | undefined) {
  const node: IrNode<'ShiftedSoftplus'> = { id: 'std', op: 'ShiftedSoftplus', attrs: { shift: SHIFT }, inputs: ['x'], params: {}, shape: [WIDTH] };
  const input = value({ ...node, id: 'x' }, x);
  const output = value(node, new Float32Array(x.length), new Float32Array(x.length));
  const ctx = {
    node,
    inputs: [input],
    output,
    inputGrads: [target],
    kernels,
  } as Partial<OpContext<'ShiftedSoftplus'>> as OpContext<'ShiftedSoftplus'>;
  return { op: shiftedSoftplus(ctx), y: output.data, dy: output.grad! };
}

/**
 * The real kernels, except that the two softplus kernels also list every 7th index as undecided
 * and write 0 there (a value no formula gives), as the real ones may for any value.
 */
function listingEvery7th(addon: NativeAddon): NativeAddon {
  const spoil = (out: Float32Array, undecided: Int32Array, keep: boolean): void => {
    let count = 0;
    for (let i = 0; i < out.length; i += 7) {
      if (!keep) out[i] = 0;
      undecided[1 + count++] = i;
    }
    undecided[0] = count;
  };
  return {
    ...addon,
    shiftedSoftplus: (x, y, shift, undecided) => {
      const status = addon.shiftedSoftplus(x, y, shift, undecided);
      spoil(y, undecided, false);
      return status;
    },
    shiftedSoftplusGrad: (x, dy, dx, shift, add, undecided) => {
      const before = Float32Array.from(dx);
      const status = addon.shiftedSoftplusGrad(x, dy, dx, shift, add, undecided);
      // An undecided gradient keeps its value when adding (the kernel's contract); else it is spoilt.
      for (let i = 0; i < dx.length; i += 7) dx[i] = add ? before[i]! : 0;
      spoil(dx, undecided, true);
      return status;
    },
  };
}

describe.skipIf(!loaded.ok && !inCi)('compiled ShiftedSoftplus on the native kernel', () => {
  const random = Random.fromSeed(31);
  const x = Float32Array.from(random.fillNormal(new Float32Array(ROWS * WIDTH)), (v) => 4 * v);
  x.set([NaN, Infinity, -Infinity, 0, -0, 60, -60, 1e-30], 0);
  const dy = random.fillNormal(new Float32Array(x.length));
  const start = random.fillNormal(new Float32Array(x.length));

  for (const listing of [false, true]) {
    it(`forward and backward are the JavaScript formulas bit for bit${listing ? ', the values the kernel leaves undecided included' : ''}`, () => {
      if (!loaded.ok) throw new Error(loaded.reason);
      const kernels = listing ? listingEvery7th(loaded.addon) : loaded.addon;
      expect(kernels.shiftedSoftplus(x, new Float32Array(x.length), SHIFT, new Int32Array(x.length + 1))).toBe(STATUS.ok);
      for (const add of [false, true]) {
        const grad = Float32Array.from(start);
        const built = build(kernels, x, { grad, add });
        built.op.forward();
        expect(built.y).toEqual(Float32Array.from(x, (v) => softplus(v + SHIFT)));
        built.dy.set(dy);
        built.op.backward!();
        expect(grad).toEqual(Float32Array.from(x, (v, i) => (add ? start[i]! + dy[i]! * sigmoid(v + SHIFT) : dy[i]! * sigmoid(v + SHIFT))));
      }
    });
  }
});
