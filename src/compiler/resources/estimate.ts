/**
 * What a model will cost before anything is allocated: parameters, activation
 * values per example (at the train and the eval sample counts) and the work of
 * one training step, counted from the IR. Counts are plain numbers (doubles),
 * so absurd sizes (1e22 parameters) are represented, not overflowed.
 *
 * Samples: with n > 0 each Sample node multiplies the rows flowing downstream
 * by n and SampleMean folds them back (the IR's sample-major batching).
 */
import type { IrNode, ModelIR } from '../ir/ir.js';
import type { Span } from '../../diagnostics/diagnostic.js';

/** The biggest single contributor to a total, to point the user at. */
export interface Culprit {
  readonly name: string;
  readonly elements: number;
  readonly origin?: Span;
}

export interface ActivationEstimate {
  /** Values of every node's output for one input image (samples folded in). */
  readonly perExample: number;
  /** The node whose output is largest for one input image. */
  readonly largest?: Culprit;
  /** The largest row multiplier a Sample node introduces (1 without sampling). */
  readonly rowsPerExample: number;
}

export interface ResourceEstimate {
  readonly params: number;
  readonly trainableParams: number;
  readonly largestParam?: Culprit;
  readonly nodes: number;
  readonly train: ActivationEstimate;
  readonly eval: ActivationEstimate;
  /** Floating-point operations of one training image (forward, and 2x that for the backward pass). */
  readonly trainFlopsPerExample: number;
}

const elementsOf = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/** 2 x multiply-accumulates of convolutions and dense layers; everything else is small next to them. */
function nodeFlops(node: IrNode, input: readonly number[] | undefined): number {
  if (node.op === 'Conv2D') {
    const a = (node as IrNode<'Conv2D'>).attrs;
    return 2 * elementsOf(node.shape) * (input?.[2] ?? 0) * a.kernel[0] * a.kernel[1];
  }
  if (node.op === 'Dense') return 2 * (input?.[0] ?? 0) * (node as IrNode<'Dense'>).attrs.units;
  return 0;
}

function activations(ir: ModelIR, samples: number): { estimate: ActivationEstimate; flops: number } {
  const shapes = new Map<string, readonly number[]>();
  const rows = new Map<string, number>();
  let perExample = 0;
  let flops = 0;
  let rowsPerExample = 1;
  let largest: Culprit | undefined;
  for (const node of ir.nodes) {
    shapes.set(node.id, node.shape);
    let multiplier = 1;
    for (const id of node.inputs) multiplier = Math.max(multiplier, rows.get(id) ?? 1);
    if (node.op === 'Sample' && samples > 0) multiplier *= samples;
    if (node.op === 'SampleMean') multiplier = 1;
    rows.set(node.id, multiplier);
    rowsPerExample = Math.max(rowsPerExample, multiplier);
    // Quantize compares every element with every anchor: an element x anchor distance matrix the IR does not show.
    const hidden = node.op === 'Quantize' ? (node as IrNode<'Quantize'>).attrs.anchorCount : 1;
    const values = multiplier * elementsOf(node.shape) * hidden;
    perExample += values;
    if (!largest || values > largest.elements) largest = { name: node.id, elements: values, ...(node.origin ? { origin: node.origin } : {}) };
    const first = node.inputs[0];
    flops += multiplier * nodeFlops(node, first !== undefined ? shapes.get(first) : undefined);
  }
  return { estimate: { perExample, rowsPerExample, ...(largest ? { largest } : {}) }, flops };
}

export function estimateResources(ir: ModelIR): ResourceEstimate {
  const origins = new Map<string, Span>();
  for (const node of ir.nodes) {
    for (const name of Object.values(node.params)) if (name && node.origin) origins.set(name, node.origin);
  }
  let params = 0;
  let trainableParams = 0;
  let largestParam: Culprit | undefined;
  for (const p of ir.params) {
    const n = elementsOf(p.shape);
    params += n;
    if (p.trainable) trainableParams += n;
    const origin = origins.get(p.name);
    if (!largestParam || n > largestParam.elements) largestParam = { name: p.name, elements: n, ...(origin ? { origin } : {}) };
  }
  const train = activations(ir, ir.samples.train);
  const evaluation = activations(ir, ir.samples.eval);
  return {
    params,
    trainableParams,
    ...(largestParam ? { largestParam } : {}),
    nodes: ir.nodes.length,
    train: train.estimate,
    eval: evaluation.estimate,
    trainFlopsPerExample: 3 * train.flops,
  };
}
