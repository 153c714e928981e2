/**
 * Floating-point work of a model, counted from the IR once, for `ibc check`'s
 * resource estimate and `ibc bench`'s GFLOP/s: every op's forward FLOPs
 * (op-costs.ts) times the rows it runs on per input image (the sample tiling,
 * ir/rows.ts: with n train samples the encoder after the attention runs n
 * times per image). A training step costs about 3x the forward pass (forward,
 * gradient with respect to the input, gradient with respect to the weights).
 */
import type { IrNode, ModelIR } from '../ir/ir.js';
import { opFacts, rowsPerImage } from '../ir/op-facts.js';

export interface ModelFlops {
  /** Forward FLOPs per input image, with `samples` draws per Sample node. */
  readonly forwardPerImage: number;
  /** Training FLOPs per input image (3x forward). */
  readonly trainPerImage: number;
}

/** Forward FLOPs of one row of `node`, whose first input has per-example shape `input`. */
export function nodeFlops(node: IrNode, input: readonly number[] | undefined): number {
  return opFacts(node.op).forwardFlops(node, input);
}

/** Counts FLOPs per input image at `samples` draws per Sample node. */
export function modelFlops(ir: ModelIR, samples = ir.samples.train): ModelFlops {
  const shapes = new Map(ir.nodes.map((node) => [node.id, node.shape]));
  const rows = rowsPerImage(ir, samples);
  let forward = 0;
  for (const node of ir.nodes) {
    const first = node.inputs[0];
    forward += (rows.get(node.id) ?? 1) * nodeFlops(node, first !== undefined ? shapes.get(first) : undefined);
  }
  return { forwardPerImage: forward, trainPerImage: 3 * forward };
}
