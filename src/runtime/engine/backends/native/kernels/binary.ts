import { backend_util, util, type TensorInfo } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';
import { BINARY_OPS } from '../addon.js';

/** native/src/binary.cc's kMaxRank. */
const MAX_RANK = 6;

/**
 * The broadcast of a and b as [rank, dims..., stridesA..., stridesB...] with
 * unit dimensions dropped and neighbours that both operands walk the same way merged.
 */
export function broadcastLayout(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): Int32Array | undefined {
  const rank = outShape.length;
  /** Each operand's stride along each output axis, right-aligned; 0 where it broadcasts (size 1 or a missing leading axis). */
  const stridesOf = (shape: readonly number[]): number[] => {
    const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
    let s = 1;
    return padded
      .reduceRight<number[]>((strides, size) => {
        strides.push(size === 1 ? 0 : s);
        s *= size;
        return strides;
      }, [])
      .reverse();
  };
  const sa = stridesOf(aShape), sb = stridesOf(bShape);
  /** One merged axis: its size and both operands' strides along it. */
  const axes: { dim: number; a: number; b: number }[] = [];
  const merges = (prev: number, cur: number, size: number): boolean => (prev === 0 && cur === 0) || (prev !== 0 && cur !== 0 && prev === cur * size);
  for (const [d, size] of outShape.entries()) {
    if (size === 1) continue;
    const a = sa[d] ?? 0, b = sb[d] ?? 0;
    const last = axes.at(-1);
    if (last && merges(last.a, a, size) && merges(last.b, b, size)) {
      last.dim *= size;
      last.a = a;
      last.b = b;
    } else {
      axes.push({ dim: size, a, b });
    }
  }
  if (axes.length === 0) axes.push({ dim: 1, a: 0, b: 0 });
  if (axes.length > MAX_RANK) return undefined;
  return Int32Array.from([axes.length, ...axes.map((x) => x.dim), ...axes.map((x) => x.a), ...axes.map((x) => x.b)]);
}

export interface BroadcastOperands {
  readonly av: Float32Array;
  readonly bv: Float32Array;
  readonly outShape: number[];
  readonly layout: Int32Array;
}

/**
 * The two float32 inputs of a broadcasting binary kernel and their layout for the
 * native side, or undefined when the native path does not apply (the CPU kernel runs).
 */
export function broadcastOperands(
  inputs: Parameters<NativeKernel['run']>[0]['inputs'],
  backend: Parameters<NativeKernel['run']>[0]['backend'],
): BroadcastOperands | undefined {
  const { a, b } = inputs;
  if (!a || !b) return undefined;
  const av = backend.f32(a), bv = backend.f32(b);
  if (!av || !bv || av.length === 0 || bv.length === 0) return undefined;
  const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const layout = broadcastLayout(a.shape, b.shape, outShape);
  if (!layout) return undefined;
  return { av, bv, outShape, layout };
}

function binaryKernel(kernelName: Exclude<keyof typeof BINARY_OPS, 'ReluGrad'>): NativeKernel {
  const op = BINARY_OPS[kernelName];
  return {
    kernelName,
    run: ({ inputs, backend }): TensorInfo | undefined => {
      const operands = broadcastOperands(inputs, backend);
      if (!operands) return undefined;
      const { av, bv, outShape, layout } = operands;
      const out = backend.allocate(util.sizeFromShape(outShape));
      if (!check(kernelName, backend.addon.binary(op, av, bv, out, layout))) return undefined;
      return backend.output(outShape, out);
    },
  };
}

export const add = binaryKernel('Add');
export const sub = binaryKernel('Sub');
export const multiply = binaryKernel('Multiply');
export const realDiv = binaryKernel('RealDiv');
export const maximum = binaryKernel('Maximum');
export const minimum = binaryKernel('Minimum');
export const squaredDifference = binaryKernel('SquaredDifference');
