/**
 * What the compiler knows about each IR op besides its output shape (shape.ts),
 * as data, one record per op: how many inputs it takes, how many rows its output
 * has (the sample tiling), which parameters it owns (roles, shapes, fans), and
 * what it costs. The table names every op, so an op added to the IR without its
 * facts does not type-check. The verifier, the model builder, the resource
 * estimate, the FLOP count and the compiled step read it.
 *
 * Rows (ir.ts, "Stochastic semantics"): a Sample node with n > 0 draws tiles its
 * inputs n times along the batch (sample-major), SampleMean folds the draws back
 * to the model input's batch, a binary op has the rows of its larger input (the
 * smaller is tiled to it), and every other op keeps its input's rows.
 */
import type { IrNode, ModelIR, Op, OpAttrs, ParamRole } from './ir.js';
import type { Shape } from './shape.js';

export interface Tiling {
  /** Rows of the model input (B; 1 to count per input image). */
  readonly batch: number;
  /** Draws per Sample node (0: the deterministic mean, no tiling). */
  readonly samples: number;
}

/** One parameter an op owns: its shape and its fans (PyTorch's convention, for the initialisers). */
export interface ParamLayout {
  readonly shape: Shape;
  readonly fanIn: number;
  readonly fanOut: number;
}

export interface OpFacts<O extends Op> {
  /** Inputs it takes, in order. */
  readonly arity: number;
  /** Rows of its output from its inputs' rows. */
  readonly rows: (inputRows: readonly number[], tiling: Tiling) => number;
  /** The parameter roles it may own (a bias only when its layer has one). */
  readonly paramRoles: readonly ParamRole[];
  /** Its parameters from its attributes and input shapes (each of paramRoles, or none). */
  readonly params: (attrs: OpAttrs[O], inputs: readonly Shape[]) => Partial<Record<ParamRole, ParamLayout>>;
  /**
   * Forward floating-point operations for one row, given its first input's per-example shape:
   * 2 x multiply-accumulates of convolutions and dense layers; 0 for the other ops (small next
   * to them, and what `ibc bench` reports its GFLOP/s against).
   */
  readonly forwardFlops: (node: IrNode<O>, input: Shape | undefined) => number;
  /** Values held per output element while it runs that are no node's output (1: none beyond the output). */
  readonly valuesPerOutput: (node: IrNode<O>) => number;
}

const elementsOf = (shape: Shape): number => shape.reduce((a, d) => a * d, 1);

/** The rows of the first (only) input. */
const asInput = ([rows]: readonly number[]): number => rows ?? 0;
/** The larger input's rows: the other side is tiled to them. */
const largerInput = (inputRows: readonly number[]): number => Math.max(...inputRows);
/** A vector parameter of n values; its fans are n and n (only initialisers that ignore fans use them). */
const vector = (n: number): ParamLayout => ({ shape: [n], fanIn: n, fanOut: n });

/** A one-input op that keeps its input's rows, owns no parameters and costs next to nothing. */
const LIGHT_UNARY = { arity: 1, rows: asInput, paramRoles: [], params: () => ({}), forwardFlops: () => 0, valuesPerOutput: () => 1 } as const;
/** The same with two inputs, one tiled to the other's rows. */
const LIGHT_BINARY = { ...LIGHT_UNARY, arity: 2, rows: largerInput } as const;

const OP_FACTS = {
  Input: { ...LIGHT_UNARY, arity: 0, rows: (_inputs, tiling) => tiling.batch },
  Conv2D: {
    arity: 1,
    rows: asInput,
    paramRoles: ['kernel', 'bias'],
    // PyTorch's fans: kh*kw*Cin in, kh*kw*Cout out; the bias shares its layer's.
    params: (a, inputs) => {
      const cin = inputs[0]?.[2] ?? 0;
      const k = a.kernel[0] * a.kernel[1];
      const fans = { fanIn: k * cin, fanOut: k * a.filters };
      return { kernel: { shape: [a.kernel[0], a.kernel[1], cin, a.filters], ...fans }, ...(a.bias ? { bias: { shape: [a.filters], ...fans } } : {}) };
    },
    forwardFlops: (node, input) => 2 * elementsOf(node.shape) * (input?.[2] ?? 0) * node.attrs.kernel[0] * node.attrs.kernel[1],
    valuesPerOutput: () => 1,
  },
  BatchNorm: {
    ...LIGHT_UNARY,
    paramRoles: ['gamma', 'beta', 'movingMean', 'movingVariance'],
    params: (_a, inputs) => {
      const s = inputs[0] ?? [];
      const c = vector(s[s.length - 1] ?? 0);
      return { gamma: c, beta: c, movingMean: c, movingVariance: c };
    },
  },
  Activation: LIGHT_UNARY,
  ShiftedSoftplus: LIGHT_UNARY,
  MaxPool: LIGHT_UNARY,
  AvgPool: LIGHT_UNARY,
  GlobalAvgPool: LIGHT_UNARY,
  AdaptiveAvgPool: LIGHT_UNARY,
  Dropout: LIGHT_UNARY,
  Add: LIGHT_BINARY,
  Flatten: LIGHT_UNARY,
  Dense: {
    arity: 1,
    rows: asInput,
    paramRoles: ['kernel', 'bias'],
    params: (a, inputs) => {
      const fans = { fanIn: inputs[0]?.[0] ?? 0, fanOut: a.units };
      return { kernel: { shape: [fans.fanIn, a.units], ...fans }, ...(a.bias ? { bias: { shape: [a.units], ...fans } } : {}) };
    },
    forwardFlops: (node, input) => 2 * (input?.[0] ?? 0) * node.attrs.units,
    valuesPerOutput: () => 1,
  },
  Slice: LIGHT_UNARY,
  Sample: { ...LIGHT_BINARY, rows: ([rows], tiling) => (tiling.samples > 0 ? tiling.samples : 1) * (rows ?? 0) },
  Quantize: {
    ...LIGHT_UNARY,
    paramRoles: ['anchors'],
    params: (a) => ({ anchors: vector(a.anchorCount) }),
    // Every element is compared with every anchor: an element x anchor distance matrix.
    valuesPerOutput: (node) => node.attrs.anchorCount,
  },
  ResizeNearest: LIGHT_UNARY,
  Modulate: LIGHT_BINARY,
  SampleMean: { ...LIGHT_UNARY, rows: (_inputs, tiling) => tiling.batch },
} as const satisfies { readonly [O in Op]: OpFacts<O> };

/** The roles op `O` may own. */
export type OpParamRole<O extends Op> = (typeof OP_FACTS)[O]['paramRoles'][number];

/** The facts of `op`. */
export function opFacts<O extends Op>(op: O): OpFacts<O> {
  return OP_FACTS[op] as OpFacts<O>;
}

/** Rows of `op`'s output given its inputs' rows. */
export function outputRows(op: Op, inputRows: readonly number[], tiling: Tiling): number {
  return opFacts(op).rows(inputRows, tiling);
}

/** Rows per input image of every node (batch 1) at `samples` draws, by node id. */
export function rowsPerImage(ir: ModelIR, samples: number): Map<string, number> {
  const rows = new Map<string, number>();
  for (const node of ir.nodes) rows.set(node.id, outputRows(node.op, node.inputs.map((id) => rows.get(id) ?? 0), { batch: 1, samples }));
  return rows;
}

/**
 * The parameters `op` owns (shape and fans per role), from its attributes and input shapes.
 * The builder creates them; the verifier checks them; targets may rely on them.
 */
export function paramLayouts<O extends Op>(op: O, attrs: OpAttrs[O], inputShapes: readonly Shape[]): { readonly [R in OpParamRole<O>]?: ParamLayout } {
  return opFacts(op).params(attrs, inputShapes) as { readonly [R in OpParamRole<O>]?: ParamLayout };
}

/** The shapes of the parameters `op` owns (paramLayouts without the fans). */
export function paramShapes(op: Op, attrs: OpAttrs[Op], inputShapes: readonly Shape[]): Partial<Record<ParamRole, Shape>> {
  const shapes: Partial<Record<ParamRole, Shape>> = {};
  for (const [role, layout] of Object.entries(opFacts(op).params(attrs, inputShapes)) as [ParamRole, ParamLayout][]) shapes[role] = layout.shape;
  return shapes;
}
