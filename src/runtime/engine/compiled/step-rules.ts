/**
 * The compiled step's rule of every IR op, in one table keyed by op: the
 * builders of its forward and backward closures, what its backward reads,
 * when its value is an input's, who writes its parameters' gradients, and
 * which fusions it takes part in (op.ts, StepRule). Each rule is written in
 * ops/ beside the op's forward and backward; an IR op missing here, or a rule
 * missing a fact, fails type-checking.
 */
import type { IrNode, Op } from '../../../compiler/ir/ir.js';
import type { StepRule } from './op.js';
import { conv2dRule, denseRule } from './ops/conv-dense.js';
import { batchNormRule } from './ops/batch-norm.js';
import { adaptiveAvgPoolRule, avgPoolRule, globalAvgPoolRule, maxPoolRule } from './ops/pool.js';
import { activationRule, addRule, dropoutRule, shiftedSoftplusRule, sliceRule } from './ops/elementwise.js';
import { modulateRule, quantizeRule, resizeNearestRule, sampleMeanRule, sampleRule } from './ops/attention.js';
import { flattenRule, inputRule } from './ops/views.js';

export const STEP_RULES = {
  Input: inputRule,
  Conv2D: conv2dRule,
  BatchNorm: batchNormRule,
  Activation: activationRule,
  ShiftedSoftplus: shiftedSoftplusRule,
  MaxPool: maxPoolRule,
  AvgPool: avgPoolRule,
  GlobalAvgPool: globalAvgPoolRule,
  AdaptiveAvgPool: adaptiveAvgPoolRule,
  Dropout: dropoutRule,
  Add: addRule,
  Flatten: flattenRule,
  Dense: denseRule,
  Slice: sliceRule,
  Sample: sampleRule,
  Quantize: quantizeRule,
  ResizeNearest: resizeNearestRule,
  Modulate: modulateRule,
  SampleMean: sampleMeanRule,
} satisfies { readonly [O in Op]: StepRule<O> };

/** The rule of `node`'s op, typed for that node. */
export function stepRuleOf<O extends Op>(node: IrNode<O>): StepRule<O> {
  return STEP_RULES[node.op] as StepRule<O>;
}
