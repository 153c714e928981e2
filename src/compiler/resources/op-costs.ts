/**
 * What each IR op costs beyond its output, per row: its arithmetic and the
 * values it materialises that the IR does not show. One record per op, so a new
 * op states its cost; the FLOP count (training-flops.ts) and the resource
 * estimate (estimate.ts) read it.
 */
import type { IrNode, Op } from '../ir/ir.js';

export interface OpCost<O extends Op> {
  /**
   * Forward floating-point operations for one row, given the first input's
   * per-example shape: 2 x multiply-accumulates of convolutions and dense
   * layers; the other ops count 0 (small next to them, and what `ibc bench`
   * reports its GFLOP/s against).
   */
  readonly forwardFlops: (node: IrNode<O>, input: readonly number[] | undefined) => number;
  /** Values held per output element while the op runs that are no node's output (1: none beyond the output). */
  readonly valuesPerOutput: (node: IrNode<O>) => number;
}

const elementsOf = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/** Small next to the convolutions and dense layers; holds nothing beyond its output. */
const light: OpCost<Op> = { forwardFlops: () => 0, valuesPerOutput: () => 1 };

export const OP_COSTS: { readonly [O in Op]: OpCost<O> } = {
  Input: light,
  Conv2D: {
    forwardFlops: (node, input) => 2 * elementsOf(node.shape) * (input?.[2] ?? 0) * node.attrs.kernel[0] * node.attrs.kernel[1],
    valuesPerOutput: () => 1,
  },
  BatchNorm: light,
  Activation: light,
  ShiftedSoftplus: light,
  MaxPool: light,
  AvgPool: light,
  GlobalAvgPool: light,
  AdaptiveAvgPool: light,
  Dropout: light,
  Add: light,
  Flatten: light,
  Dense: {
    forwardFlops: (node, input) => 2 * (input?.[0] ?? 0) * node.attrs.units,
    valuesPerOutput: () => 1,
  },
  Slice: light,
  Sample: light,
  // Every element is compared with every anchor: an element x anchor distance matrix.
  Quantize: { forwardFlops: () => 0, valuesPerOutput: (node) => node.attrs.anchorCount },
  ResizeNearest: light,
  Modulate: light,
  SampleMean: light,
};

export function opCost<O extends Op>(op: O): OpCost<O> {
  return OP_COSTS[op] as OpCost<O>;
}
