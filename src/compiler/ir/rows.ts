/**
 * Rows of each op's output: the IR's sample tiling (ir.ts), defined once. A
 * Sample node with n > 0 draws tiles its inputs n times along the batch
 * (sample-major), SampleMean folds the draws back to the model input's batch,
 * a binary op has the rows of its larger input (the smaller is tiled to it),
 * and every other op keeps its input's rows. The compiled step sizes its
 * arrays with it (batch B), the resource estimate and the FLOP count count
 * with it (batch 1: rows per input image).
 */
import type { IrNode, ModelIR, Op } from './ir.js';

export interface Tiling {
  /** Rows of the model input (B; 1 to count per image). */
  readonly batch: number;
  /** Draws per Sample node (0: the deterministic mean, no tiling). */
  readonly samples: number;
}

type RowsRule = (inputRows: readonly number[], tiling: Tiling) => number;

/** The rows of the first (only) input. */
const asInput: RowsRule = ([rows]) => rows ?? 0;
/** The larger input's rows: the other side is tiled to them. */
const largerInput: RowsRule = (inputRows) => Math.max(...inputRows);

const OUTPUT_ROWS: { readonly [O in Op]: RowsRule } = {
  Input: (_inputs, tiling) => tiling.batch,
  Conv2D: asInput,
  BatchNorm: asInput,
  Activation: asInput,
  ShiftedSoftplus: asInput,
  MaxPool: asInput,
  AvgPool: asInput,
  GlobalAvgPool: asInput,
  AdaptiveAvgPool: asInput,
  Dropout: asInput,
  Add: largerInput,
  Flatten: asInput,
  Dense: asInput,
  Slice: asInput,
  Sample: ([rows], tiling) => (tiling.samples > 0 ? tiling.samples : 1) * (rows ?? 0),
  Quantize: asInput,
  ResizeNearest: asInput,
  Modulate: largerInput,
  SampleMean: (_inputs, tiling) => tiling.batch,
};

/** Rows of `op`'s output given its inputs' rows. */
export function outputRows(op: Op, inputRows: readonly number[], tiling: Tiling): number {
  return OUTPUT_ROWS[op](inputRows, tiling);
}

/** Rows of every node's output, by node id, for a topologically ordered node list. */
export function rowsOfNodes(nodes: readonly IrNode[], tiling: Tiling): Map<string, number> {
  const rows = new Map<string, number>();
  for (const node of nodes) rows.set(node.id, outputRows(node.op, node.inputs.map((id) => rows.get(id) ?? 0), tiling));
  return rows;
}

/** Rows per input image of every node (batch 1) at `samples` draws. */
export function rowsPerImage(ir: ModelIR, samples: number): Map<string, number> {
  return rowsOfNodes(ir.nodes, { batch: 1, samples });
}
