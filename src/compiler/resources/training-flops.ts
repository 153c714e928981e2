/**
 * Floating-point work of a model, counted from the IR: 2 x multiply-accumulates
 * of every convolution and dense layer (everything else is small next to them).
 * A training step costs about 3x the forward pass (forward, gradient with
 * respect to the input, gradient with respect to the weights).
 */
import type { IrNode, ModelIR } from '../ir/ir.js';

export interface ModelFlops {
  /** Forward FLOPs per input image, with `samples` draws per Sample node. */
  readonly forwardPerImage: number;
  /** Training FLOPs per input image (3x forward). */
  readonly trainPerImage: number;
}

function nodeFlops(node: IrNode, inputShape: readonly number[] | undefined): number {
  if (node.op === 'Conv2D') {
    const a = (node as IrNode<'Conv2D'>).attrs;
    const [oh, ow, o] = node.shape as [number, number, number];
    const c = inputShape?.[2] ?? 0;
    return 2 * oh * ow * o * c * a.kernel[0] * a.kernel[1];
  }
  if (node.op === 'Dense') {
    const units = (node as IrNode<'Dense'>).attrs.units;
    return 2 * (inputShape?.[0] ?? 0) * units;
  }
  return 0;
}

/**
 * Counts FLOPs per input image. With n train samples each Sample node multiplies
 * the rows flowing downstream by n and SampleMean folds them back (the IR's
 * sample-major batching), so the encoder after the attention runs n times per image.
 */
export function modelFlops(ir: ModelIR, samples = ir.samples.train): ModelFlops {
  const shapes = new Map<string, readonly number[]>();
  const rows = new Map<string, number>();
  let forward = 0;
  for (const node of ir.nodes) {
    shapes.set(node.id, node.shape);
    let multiplier = Math.max(1, ...node.inputs.map((id) => rows.get(id) ?? 1));
    if (node.op === 'Sample' && samples > 0) multiplier *= samples;
    if (node.op === 'SampleMean') multiplier = 1;
    rows.set(node.id, multiplier);
    const first = node.inputs[0];
    forward += multiplier * nodeFlops(node, first !== undefined ? shapes.get(first) : undefined);
  }
  return { forwardPerImage: forward, trainPerImage: 3 * forward };
}
