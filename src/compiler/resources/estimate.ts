/**
 * What a model will cost before anything is allocated: parameters, activation
 * values per example (at the train and the eval sample counts) and the work of
 * one training step, counted from the IR. Counts are plain numbers (doubles),
 * so absurd sizes (1e22 parameters) are represented, not overflowed.
 *
 * Samples: with n > 0 each Sample node multiplies the rows flowing downstream
 * by n and SampleMean folds them back (the IR's sample-major batching, ir/rows.ts).
 * The work is the FLOP count `ibc bench` reports against (training-flops.ts).
 */
import type { ModelIR } from '../ir/ir.js';
import { opFacts, rowsPerImage } from '../ir/op-facts.js';
import { modelFlops } from './training-flops.js';
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

function activations(ir: ModelIR, samples: number): ActivationEstimate {
  const rows = rowsPerImage(ir, samples);
  let perExample = 0;
  let rowsPerExample = 1;
  let largest: Culprit | undefined;
  for (const node of ir.nodes) {
    const multiplier = rows.get(node.id) ?? 1;
    rowsPerExample = Math.max(rowsPerExample, multiplier);
    const values = multiplier * elementsOf(node.shape) * opFacts(node.op).valuesPerOutput(node);
    perExample += values;
    if (!largest || values > largest.elements) largest = { name: node.id, elements: values, ...(node.origin ? { origin: node.origin } : {}) };
  }
  return { perExample, rowsPerExample, ...(largest ? { largest } : {}) };
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
  const flops = modelFlops(ir, ir.samples.train);
  return {
    params,
    trainableParams,
    ...(largestParam ? { largestParam } : {}),
    nodes: ir.nodes.length,
    train,
    eval: evaluation,
    trainFlopsPerExample: flops.trainPerImage,
  };
}
