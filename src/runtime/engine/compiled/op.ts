/**
 * What a planned op is: two closures over buffers allocated when the step was
 * planned. `forward` writes the node's output; `backward` reads the output's
 * gradient and writes the gradients of its inputs and parameters. The plan
 * calls them in node order and in reverse; neither allocates.
 */
import type { IrNode, Op, ParamRole } from '../../../compiler/ir/ir.js';
import type { Random } from '../../../support/random.js';
import type { NativeAddon, PrecisionCode } from '../backends/native/addon.js';
import type { GradTarget, NodeValue } from './values.js';

export interface StepOp {
  readonly forward: () => void;
  /** Absent when nothing upstream of the node trains. */
  readonly backward?: () => void;
  /** Writes the output again, exactly as `forward` did, into `into` (for a value recomputed in the backward pass). */
  readonly recompute?: (into: Float32Array) => void;
}

export interface OpContext<O extends Op = Op> {
  readonly node: IrNode<O>;
  readonly inputs: readonly NodeValue[];
  readonly output: NodeValue;
  /** Per input: where its gradient goes, or undefined when none is wanted. */
  readonly inputGrads: readonly (GradTarget | undefined)[];
  /**
   * What the backward pass reads as each input's and the output's values: the forward arrays,
   * or, for a value the plan recomputes in the backward pass, the array it is recomputed into.
   */
  readonly savedInputs: readonly Float32Array[];
  readonly savedOutput: Float32Array;
  /** The model input's batch B. */
  readonly batch: number;
  /** The step's sample count n (0: deterministic mean). */
  readonly samples: number;
  readonly kernels: NativeAddon;
  /**
   * The arithmetic of the op's convolution or matrix-product kernels (their `precision`
   * argument): bf16 operands with float32 accumulation in a bf16 plan. Every other kernel and
   * loop computes in float32 either way (docs/precision.md).
   */
  readonly precision: PrecisionCode;
  /** The parameter's values (a view into the step's parameter arena). */
  param(role: ParamRole): Float32Array;
  /** Where the parameter's gradient goes (overwritten each step); undefined when it does not train. */
  paramGrad(role: ParamRole): Float32Array | undefined;
  /** The run's noise stream, read in node order (the TF.js executor's order). */
  noise(): Random;
  /** A work array of `length` floats owned by this op, allocated now. */
  scratch(length: number): Float32Array;
  /** BatchNorm only: the plan fused the ReLU that reads this node into it (the output is after the ReLU). */
  readonly fusedRelu: boolean;
  /** BatchNorm+ReLU only: its one reader, a MaxPool, masks the gradient, so the backward applies no ReLU mask. */
  readonly reluMaskedByPool: boolean;
  /** MaxPool only: it reads a BatchNorm+ReLU alone; its backward masks the gradient by its output > 0 (the ReLU's mask at the argmax). */
  readonly poolMasksRelu: boolean;
}

export type OpBuilder<O extends Op> = (ctx: OpContext<O>) => StepOp;

/** Throws (a bug: every array was sized by the plan) when a native kernel refuses its arguments. */
export function ok(status: number, kernel: string): void {
  if (status !== 0) throw new Error(`native kernel ${kernel} failed with status ${status}`);
}

/**
 * Where a kernel that can only overwrite writes the gradient of input `i`: straight into the
 * input's gradient when this op is its only contributor, else into a work array that `finish`
 * adds in. Undefined when the input wants no gradient.
 */
export function overwriteTarget(ctx: OpContext, i: number): { readonly array: Float32Array; readonly finish: () => void } | undefined {
  const target = ctx.inputGrads[i];
  if (!target) return undefined;
  if (!target.add) return { array: target.grad, finish: () => {} };
  const scratch = ctx.scratch(target.grad.length);
  return { array: scratch, finish: () => ok(ctx.kernels.accumulate(target.grad, scratch), 'accumulate') };
}
