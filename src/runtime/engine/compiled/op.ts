/**
 * What a planned op is: two closures over buffers allocated when the step was
 * planned. `forward` writes the node's output; `backward` reads the output's
 * gradient and writes the gradients of its inputs and parameters. The plan
 * calls them in node order and in reverse; neither allocates.
 */
import type { IrNode, Op, ParamRole } from '../../../compiler/ir/ir.js';
import type { OpParamRole } from '../../../compiler/ir/op-facts.js';
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

/** What a builder is given: the node, its planned arrays, the kernels, and what the plan fused around it. */
export interface OpContext<O extends Op = Op> extends Fusion {
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
   * argument): bf16 operands with float32 accumulation in a bf16 plan, for ops whose rule says
   * `precision.bf16: 'operands'`; always fp32 for every other op (docs/precision.md).
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
}

/** What the plan fused around a node (the rules' fusion facts decide which nodes). */
export interface Fusion {
  /** A node that absorbs a ReLU (BatchNorm): the ReLU reading it runs inside it, so its output is after the ReLU. */
  readonly fusedRelu: boolean;
  /** A node with that ReLU fused in: its one reader, a pool that masks ReLUs, masks the gradient, so its backward applies no ReLU mask. */
  readonly reluMaskedByPool: boolean;
  /** A pool that masks ReLUs, reading such a node alone: its backward masks the gradient by its output > 0 (the ReLU's mask at the argmax). */
  readonly poolMasksRelu: boolean;
  /**
   * eval: a pool that folds its producer in (MaxPool), reading one that folds into a pool
   * (BatchNorm, with its fused ReLU if any) alone: the producer computes nothing (its value is
   * its input's) and the pool applies this map to every cell it reads. Undefined otherwise.
   */
  readonly foldedProducer: FoldedNormalization | undefined;
}

/** An inference batch norm (running statistics), and the ReLU after it, run inside the pool that reads it. */
export interface FoldedNormalization {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  readonly offset: Float32Array;
  readonly scale: Float32Array;
  readonly epsilon: number;
  readonly relu: boolean;
  /** What the folded producer is called in profiles ("BatchNorm+ReLU"). */
  readonly label: string;
}

export type OpBuilder<O extends Op> = (ctx: OpContext<O>) => StepOp;

// ---------------------------------------------------------------- the step rule of each op

/**
 * Everything the plan (plan.ts) decides per op, stated by the op beside its forward and
 * backward (ops/), gathered in one table keyed by op (step-rules.ts) that must name every
 * IR op: a new op without its rule, or a rule without one of its facts, does not type-check.
 * Rows per value (the sample tiling) are the IR's (compiler/ir/rows.ts), not the step's.
 */
export type StepRule<O extends Op> = InputRule | ViewRule | ComputeRule<O>;

/** The model input: the step copies the batch into its array (float32, in every precision). */
export interface InputRule {
  readonly kind: 'input';
}

/** Always its first input's value under another shape (Flatten: NHWC rows are already flat); runs nothing, in any precision. */
export interface ViewRule {
  readonly kind: 'view';
}

/** Which of a node's values its backward reads, as TF.js's GradConfig inputsToSave / outputsToSave: the plan keeps those alive. */
export interface BackwardReads {
  /** Inputs by position. */
  readonly inputs: readonly number[];
  readonly output: boolean;
}

/** What the plan knows about a node when it decides whether the node's value is one of its inputs'. */
export interface AliasFacts {
  readonly mode: 'train' | 'eval';
  /** Draws per Sample node (0: the deterministic mean). */
  readonly samples: number;
  /** The model input's batch B. */
  readonly batch: number;
  /** Rows of each input's value. */
  readonly inputRows: readonly number[];
  /** A ReLU the plan runs inside the producer it reads (the fusion facts below). */
  readonly fusedIntoProducer: boolean;
}

/**
 * Which ops the plan may fuse: a ReLU into a producer that absorbs one, a ReLU's mask into the
 * pool that reads it, and (eval) a producer into the pool that reads it.
 */
export interface FusionRule<O extends Op> {
  /** The node is a ReLU (an Activation with fn relu): it may run inside the producer it reads. */
  readonly isRelu: (node: IrNode<O>) => boolean;
  /** A ReLU reading this node alone may run inside it (BatchNorm+ReLU). */
  readonly absorbsRelu: boolean;
  /** Reading a producer with a ReLU fused in, and alone, its backward can apply the ReLU's mask itself (MaxPool). */
  readonly masksRelu: boolean;
  /**
   * eval: this node (with its fused ReLU, if any) may run inside a pool that folds producers
   * in and reads it alone; the map the pool then applies to every cell, from the node's
   * parameters (BatchNorm: its running statistics). Undefined: it never folds.
   */
  readonly foldIntoPool: ((node: IrNode<O>, param: (role: ParamRole) => Float32Array) => Omit<FoldedNormalization, 'relu' | 'label'>) | undefined;
  /** eval: reading a node that folds into a pool, alone, it runs that node's forward inside its own (MaxPool). */
  readonly foldsProducer: boolean;
}

/** Ops that own parameters say who writes their gradients: their backward, or the loss (the anchors' vq term). */
export type ParamGradients<O extends Op> = [OpParamRole<O>] extends [never] ? 'none' : 'backward' | 'loss';

/**
 * What a bf16 run (train.precision bf16) does with an op, and why (docs/precision.md is generated
 * from these): 'operands' ops hand bf16 copies of what they read to oneDNN's bf16 primitives
 * and accumulate and write float32; 'float32' ops compute in float32 (or double) whatever the
 * run's precision. Arrays between ops are float32 either way.
 */
export interface PrecisionRule {
  readonly bf16: 'operands' | 'float32';
  readonly why: string;
}

/** An op that computes its value. */
export interface ComputeRule<O extends Op> {
  /** Its arithmetic in a bf16 run (the plan passes ctx.precision as bf16 only to 'operands' ops). */
  readonly precision: PrecisionRule;
  readonly kind: 'compute';
  /** The forward and backward closures of a training plan. */
  readonly train: OpBuilder<O>;
  /** The forward closure of an inference plan (evaluation: running statistics, no dropout). */
  readonly inference: OpBuilder<O>;
  /** The input (by position) whose value this node's value is, when the op has nothing to do; undefined: it computes. */
  readonly alias: (node: IrNode<O>, facts: AliasFacts) => number | undefined;
  /** What its backward reads. An op that reads something not listed here reads memory the plan has given to another value. */
  readonly backwardReads: (node: IrNode<O>, fusion: Fusion) => BackwardReads;
  /**
   * Its backward reads the inputs it keeps only through `savedInputs`, so the plan may hand it
   * a value recomputed in the backward pass (a BatchNorm+ReLU output) instead of keeping the
   * forward array alive.
   */
  readonly readsRecomputedInputs: boolean;
  /** 'backward': its backward writes its trainable parameters' gradients, and a fused update follows it. */
  readonly paramGradients: ParamGradients<O>;
  readonly fusion: FusionRule<O>;
  /** What the op is called in profiles ("Conv2D", "BatchNorm+ReLU", "Activation sigmoid"). */
  readonly label: (node: IrNode<O>, fusion: Fusion) => string;
}

/** The op computes something whenever it is planned. */
export const NEVER_ALIAS = (): undefined => undefined;
/** Its backward reads none of its values (or has none). */
export const READS_NOTHING = (): BackwardReads => ({ inputs: [], output: false });
/** Its backward reads its first input. */
export const READS_INPUT = (): BackwardReads => ({ inputs: [0], output: false });
/** Its backward reads its first input and its output. */
export const READS_INPUT_AND_OUTPUT = (): BackwardReads => ({ inputs: [0], output: true });
/** Takes part in no fusion. */
export const NO_FUSION: FusionRule<Op> = { isRelu: () => false, absorbsRelu: false, masksRelu: false, foldIntoPool: undefined, foldsProducer: false };
/** The op's name. */
export const OP_LABEL = (node: IrNode): string => node.op;

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
