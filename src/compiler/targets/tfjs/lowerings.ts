/**
 * One TF.js graph-model lowering per IR op. The graph is NHWC throughout, as
 * the IR and TensorFlow are: maps are [N, h, w, c], vectors [N, n], N
 * symbolic. Each lowering receives its inputs' tensor names and returns the
 * name of its output, or a refusal when TF.js's graph executor cannot run the
 * op as configured (the export turns it into diagnostic IB5020).
 *
 * Only ops that TF.js 4.x's graph executor maps (tfjs-converter op_list) and
 * that its cpu, webgl and webgpu kernels implement are used. Padding is made
 * explicit wherever pools would otherwise rely on a backend's SAME rule, and
 * nearest resizes are exact index gathers, so every backend computes the same
 * function as the reference interpreter.
 *
 * Inference semantics as the ONNX target: batch norm in eval mode (folded to
 * a per-channel scale and shift), Dropout is the identity, Sample is its mean
 * input, SampleMean is the identity, and Quantize keeps the nearest-anchor
 * lookup (|a - anchors|, ArgMin, GatherV2).
 */
import type { IrNode, Op, Pads, ParamRole } from '../../ir/ir.js';
import type { TfGraphBuilder } from './tf-graph-builder.js';
import { FLOAT, INT32, intList, stringAttr } from './tf-graph-builder.js';
import { adaptiveBins, nearestSourceIndices } from '../../ir/index-maps.js';

/** What a GraphModel lowering reads besides the node: the TF graph it adds to, its inputs' tensor names and shapes, its parameters. */
export interface GraphModelLoweringContext {
  readonly g: TfGraphBuilder;
  /** Tensor names of the node's inputs, in the IR's order. */
  readonly inputs: readonly string[];
  /** Per-example IR shapes of the inputs ([h, w, c] or [n]). */
  readonly inputShapes: readonly (readonly number[])[];
  /** The graph's image placeholder. */
  readonly graphInput: string;
  /** A parameter's values in the IR's layout (HWIO kernels, [in, out] dense). */
  param(role: ParamRole): Float32Array;
  paramName(role: ParamRole): string;
}

/** Why an op cannot be expressed; the export adds the layer and its spec location. */
export interface Refusal {
  readonly refused: string;
}

export type GraphModelLowering<O extends Op = Op> = (node: IrNode<O>, ctx: GraphModelLoweringContext) => string | Refusal;

/** The most negative float32: the padding value for max pooling (webgl has no reliable -Infinity constant). */
export const LOWEST_FLOAT32 = -3.4028234663852886e38;

function input(ctx: GraphModelLoweringContext, i: number): string {
  const v = ctx.inputs[i];
  if (v === undefined) throw new Error(`graph-model export bug: missing input ${i}`);
  return v;
}

function shapeOf(ctx: GraphModelLoweringContext, i: number): readonly number[] {
  const s = ctx.inputShapes[i];
  if (s === undefined) throw new Error(`graph-model export bug: missing input shape ${i}`);
  return s;
}

const hasPadding = (p: Pads): boolean => p.top + p.bottom + p.left + p.right > 0;

/** The [rank, 2] paddings tensor of Pad/PadV2 for an NHWC map. */
function paddings(ctx: GraphModelLoweringContext, p: Pads, name: string): string {
  return ctx.g.intConst(name, [0, 0, p.top, p.bottom, p.left, p.right, 0, 0], [4, 2]);
}

function poolAttrs(size: readonly [number, number], stride: readonly [number, number]): Record<string, ReturnType<typeof intList>> {
  return {
    ksize: intList([1, size[0], size[1], 1]),
    strides: intList([1, stride[0], stride[1], 1]),
    padding: stringAttr('VALID'),
    data_format: stringAttr('NHWC'),
  };
}

/** Per output cell, k / (the number of unpadded cells in its window): turns a VALID average over a zero-padded map into the average over real cells. */
export function avgPoolCountCorrection(
  h: number,
  w: number,
  size: readonly [number, number],
  stride: readonly [number, number],
  pads: Pads,
): { readonly oh: number; readonly ow: number; readonly values: Float32Array } {
  const oh = Math.floor((h + pads.top + pads.bottom - size[0]) / stride[0]) + 1;
  const ow = Math.floor((w + pads.left + pads.right - size[1]) / stride[1]) + 1;
  const values = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const y0 = y * stride[0] - pads.top;
    const rows = Math.min(y0 + size[0], h) - Math.max(y0, 0);
    for (let x = 0; x < ow; x++) {
      const x0 = x * stride[1] - pads.left;
      const cols = Math.min(x0 + size[1], w) - Math.max(x0, 0);
      values[y * ow + x] = (size[0] * size[1]) / (rows * cols);
    }
  }
  return { oh, ow, values };
}

/** Slice of an NHWC map along `axis` (1 = rows, 2 = columns, 3 = channels): [begin, begin + size). */
function sliceAxis(ctx: GraphModelLoweringContext, x: string, rank: number, axis: number, begin: number, size: number, name: string): string {
  const starts = new Array<number>(rank).fill(0);
  const sizes = new Array<number>(rank).fill(-1);
  starts[axis] = begin;
  sizes[axis] = size;
  return ctx.g.node('Slice', [x, ctx.g.intConst(`${name}/begin`, starts), ctx.g.intConst(`${name}/size`, sizes)], name, { T: FLOAT, Index: INT32 });
}

function mean(ctx: GraphModelLoweringContext, x: string, axes: readonly number[], keepDims: boolean, name: string): string {
  return ctx.g.node('Mean', [x, ctx.g.intConst(`${name}/axes`, axes)], name, { T: FLOAT, Tidx: INT32, keep_dims: { b: keepDims } });
}

/** Averages along one spatial axis into `m` adaptive bins (row then column bins give the 2-D bin mean). */
function adaptiveAxis(ctx: GraphModelLoweringContext, x: string, axis: 1 | 2, n: number, m: number, base: string): string {
  if (n === m) return x;
  const parts = adaptiveBins(n, m).map(([s, e], i) => mean(ctx, sliceAxis(ctx, x, 4, axis, s, e - s, `${base}/bin${i}`), [axis], true, `${base}/bin${i}/mean`));
  return ctx.g.node('ConcatV2', [...parts, ctx.g.intConst(`${base}/axis`, [axis], [])], `${base}/concat`, { T: FLOAT, N: { i: String(parts.length) }, Tidx: INT32 });
}

function gather(ctx: GraphModelLoweringContext, x: string, indices: string, axis: number, name: string): string {
  return ctx.g.node('GatherV2', [x, indices, ctx.g.intConst(`${name}/axis`, [axis], [])], name, {
    Tparams: FLOAT,
    Tindices: INT32,
    Taxis: INT32,
    batch_dims: { i: '0' },
  });
}

function activation(node: IrNode<'Activation'>, ctx: GraphModelLoweringContext): string {
  const g = ctx.g;
  const x = input(ctx, 0);
  const name = node.id;
  const { fn, alpha } = node.attrs;
  switch (fn) {
    case 'relu':
      return g.floatOp('Relu', [x], name);
    case 'sigmoid':
      return g.floatOp('Sigmoid', [x], name);
    case 'tanh':
      return g.floatOp('Tanh', [x], name);
    case 'softplus':
      return g.floatOp('Softplus', [x], name);
    case 'leaky_relu':
      return g.floatOp('LeakyRelu', [x], name, { alpha: { f: alpha ?? 0.01 } });
    case 'elu': {
      const scale = alpha ?? 1;
      if (scale === 1) return g.floatOp('Elu', [x], name);
      // TF's Elu has no alpha: relu(x) + alpha * (exp(min(x, 0)) - 1).
      const negative = g.floatOp('Minimum', [x, g.scalar(`${name}/zero`, 0)], `${name}/negative`);
      const expm1 = g.floatOp('Sub', [g.floatOp('Exp', [negative], `${name}/exp`), g.scalar(`${name}/one`, 1)], `${name}/expm1`);
      const scaled = g.floatOp('Mul', [expm1, g.scalar(`${name}/alpha`, scale)], `${name}/scaled`);
      return g.floatOp('AddV2', [g.floatOp('Relu', [x], `${name}/positive`), scaled], name);
    }
    case 'gelu': {
      // The exact (erf) form, as the reference and the ONNX target compute it.
      const scaled = g.floatOp('Mul', [x, g.scalar(`${name}/rsqrt2`, Math.SQRT1_2)], `${name}/scale`);
      const onePlus = g.floatOp('AddV2', [g.floatOp('Erf', [scaled], `${name}/erf`), g.scalar(`${name}/one`, 1)], `${name}/one_plus`);
      const half = g.floatOp('Mul', [x, g.scalar(`${name}/half`, 0.5)], `${name}/half_x`);
      return g.floatOp('Mul', [half, onePlus], name);
    }
  }
}

/** Exhaustive over the IR: a missing op is a type error. */
export const graphModelLowerings = {
  Input: (_node, ctx) => ctx.graphInput,

  Conv2D: (node, ctx) => {
    const { filters, kernel, stride, dilation, pads, bias } = node.attrs;
    // TF.js's conv2d asserts that strides or dilations are 1 (tfjs-core conv2d: "Either strides or dilations must be 1").
    if ((stride[0] > 1 || stride[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
      return { refused: `TF.js's Conv2D cannot combine stride ${stride.join('x')} with dilation ${dilation.join('x')} (one of them must be 1)` };
    }
    const inChannels = shapeOf(ctx, 0)[2]!;
    const w = ctx.g.floatConst(ctx.paramName('kernel'), [kernel[0], kernel[1], inChannels, filters], ctx.param('kernel'));
    const explicit = hasPadding(pads);
    const conv = ctx.g.floatOp('Conv2D', [input(ctx, 0), w], bias ? `${node.id}/conv` : node.id, {
      strides: intList([1, stride[0], stride[1], 1]),
      dilations: intList([1, dilation[0], dilation[1], 1]),
      padding: stringAttr(explicit ? 'EXPLICIT' : 'VALID'),
      explicit_paddings: intList(explicit ? [0, 0, pads.top, pads.bottom, pads.left, pads.right, 0, 0] : []),
      data_format: stringAttr('NHWC'),
      use_cudnn_on_gpu: { b: true },
    });
    if (!bias) return conv;
    return ctx.g.floatOp('BiasAdd', [conv, ctx.g.floatConst(ctx.paramName('bias'), [filters], ctx.param('bias'))], node.id, { data_format: stringAttr('NHWC') });
  },

  BatchNorm: (node, ctx) => {
    // Eval mode, folded: y = x * s + (beta - mean * s) with s = gamma / sqrt(var + eps), computed in float64.
    const gamma = ctx.param('gamma');
    const beta = ctx.param('beta');
    const movingMean = ctx.param('movingMean');
    const movingVariance = ctx.param('movingVariance');
    const c = gamma.length;
    const scale = new Float32Array(c);
    const shift = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      const s = gamma[i]! / Math.sqrt(movingVariance[i]! + node.attrs.epsilon);
      scale[i] = s;
      shift[i] = beta[i]! - movingMean[i]! * s;
    }
    const scaled = ctx.g.floatOp('Mul', [input(ctx, 0), ctx.g.floatConst(`${node.id}/scale`, [c], scale)], `${node.id}/scaled`);
    return ctx.g.floatOp('AddV2', [scaled, ctx.g.floatConst(`${node.id}/shift`, [c], shift)], node.id);
  },

  Activation: activation,

  ShiftedSoftplus: (node, ctx) => {
    const shifted =
      node.attrs.shift === 0 ? input(ctx, 0) : ctx.g.floatOp('AddV2', [input(ctx, 0), ctx.g.scalar(`${node.id}/shift_value`, node.attrs.shift)], `${node.id}/shift`);
    return ctx.g.floatOp('Softplus', [shifted], node.id);
  },

  MaxPool: (node, ctx) => {
    const { size, stride, pads } = node.attrs;
    // Explicit padding with the lowest float, then VALID: no backend's SAME rule is relied on.
    const padded = hasPadding(pads)
      ? ctx.g.node('PadV2', [input(ctx, 0), paddings(ctx, pads, `${node.id}/paddings`), ctx.g.scalar(`${node.id}/pad_value`, LOWEST_FLOAT32)], `${node.id}/pad`, { T: FLOAT, Tpaddings: INT32 })
      : input(ctx, 0);
    return ctx.g.floatOp('MaxPool', [padded], node.id, poolAttrs(size, stride));
  },

  AvgPool: (node, ctx) => {
    const { size, stride, pads } = node.attrs;
    if (!hasPadding(pads)) return ctx.g.floatOp('AvgPool', [input(ctx, 0)], node.id, poolAttrs(size, stride));
    // Padded cells are excluded from the count: average the zero-padded map, then rescale each cell by k / count.
    const [h, w] = shapeOf(ctx, 0) as [number, number, number];
    const padded = ctx.g.node('Pad', [input(ctx, 0), paddings(ctx, pads, `${node.id}/paddings`)], `${node.id}/pad`, { T: FLOAT, Tpaddings: INT32 });
    const pooled = ctx.g.floatOp('AvgPool', [padded], `${node.id}/pool`, poolAttrs(size, stride));
    const { oh, ow, values } = avgPoolCountCorrection(h, w, size, stride, pads);
    return ctx.g.floatOp('Mul', [pooled, ctx.g.floatConst(`${node.id}/count_correction`, [1, oh, ow, 1], values)], node.id);
  },

  GlobalAvgPool: (node, ctx) => mean(ctx, input(ctx, 0), [1, 2], false, node.id),

  AdaptiveAvgPool: (node, ctx) => {
    const [h, w] = shapeOf(ctx, 0) as [number, number, number];
    const [oh, ow] = node.attrs.size;
    if (h % oh === 0 && w % ow === 0) {
      const k = [h / oh, w / ow] as const;
      return ctx.g.floatOp('AvgPool', [input(ctx, 0)], node.id, poolAttrs(k, k));
    }
    const rows = adaptiveAxis(ctx, input(ctx, 0), 1, h, oh, `${node.id}/rows`);
    return adaptiveAxis(ctx, rows, 2, w, ow, `${node.id}/cols`);
  },

  Dropout: (_node, ctx) => input(ctx, 0),

  Add: (node, ctx) => ctx.g.floatOp('AddV2', [input(ctx, 0), input(ctx, 1)], node.id),

  Flatten: (node, ctx) => {
    if (shapeOf(ctx, 0).length !== 3) return input(ctx, 0);
    // NHWC row-major is the IR's flatten order: a plain reshape.
    return ctx.g.node('Reshape', [input(ctx, 0), ctx.g.intConst(`${node.id}/shape`, [-1, node.shape[0]!])], node.id, { T: FLOAT, Tshape: INT32 });
  },

  Dense: (node, ctx) => {
    const inUnits = shapeOf(ctx, 0)[0]!;
    const kernel = ctx.g.floatConst(ctx.paramName('kernel'), [inUnits, node.attrs.units], ctx.param('kernel'));
    const product = ctx.g.floatOp('MatMul', [input(ctx, 0), kernel], node.attrs.bias ? `${node.id}/matmul` : node.id, { transpose_a: { b: false }, transpose_b: { b: false } });
    if (!node.attrs.bias) return product;
    return ctx.g.floatOp('BiasAdd', [product, ctx.g.floatConst(ctx.paramName('bias'), [node.attrs.units], ctx.param('bias'))], node.id, { data_format: stringAttr('NHWC') });
  },

  // The IR slices the last axis: channels of a map, units of a vector.
  Slice: (node, ctx) => {
    const rank = shapeOf(ctx, 0).length + 1;
    return sliceAxis(ctx, input(ctx, 0), rank, rank - 1, node.attrs.begin, node.attrs.size, node.id);
  },

  Sample: (_node, ctx) => input(ctx, 0),

  Quantize: (node, ctx) => {
    const g = ctx.g;
    const anchors = g.floatConst(ctx.paramName('anchors'), [node.attrs.anchorCount], ctx.param('anchors'));
    const column = g.node('Reshape', [input(ctx, 0), g.intConst(`${node.id}/column_shape`, [-1, 1])], `${node.id}/column`, { T: FLOAT, Tshape: INT32 });
    const distance = g.floatOp('Abs', [g.floatOp('Sub', [column, anchors], `${node.id}/diff`)], `${node.id}/distance`);
    const nearest = g.node('ArgMin', [distance, g.intConst(`${node.id}/anchor_axis`, [1], [])], `${node.id}/nearest`, { T: FLOAT, Tidx: INT32, output_type: INT32 });
    const values = gather(ctx, anchors, nearest, 0, `${node.id}/lookup`);
    return g.node('Reshape', [values, g.intConst(`${node.id}/shape`, [-1, ...node.shape])], node.id, { T: FLOAT, Tshape: INT32 });
  },

  ResizeNearest: (node, ctx) => {
    // Exact index gathers: ResizeNearestNeighbor computes src = dst * (in / out) in float (float32 in shaders) and can floor one pixel short.
    const [h, w] = shapeOf(ctx, 0) as [number, number, number];
    const [oh, ow] = node.attrs.size;
    const rows = h === oh ? input(ctx, 0) : gather(ctx, input(ctx, 0), ctx.g.intConst(`${node.id}/row_index`, nearestSourceIndices(h, oh)), 1, w === ow ? node.id : `${node.id}/rows`);
    if (w === ow) return rows;
    return gather(ctx, rows, ctx.g.intConst(`${node.id}/col_index`, nearestSourceIndices(w, ow)), 2, node.id);
  },

  Modulate: (node, ctx) => {
    // f + f * a; a's single channel broadcasts over f's.
    const scaled = ctx.g.floatOp('Mul', [input(ctx, 0), input(ctx, 1)], `${node.id}/scale`);
    return ctx.g.floatOp('AddV2', [input(ctx, 0), scaled], node.id);
  },

  SampleMean: (_node, ctx) => input(ctx, 0),
} satisfies { readonly [O in Op]: GraphModelLowering<O> };

/** The TF op types the lowerings emit: the export checks every emitted op against it and the tests check it against TF.js's op list. */
export const GRAPH_MODEL_OPS = [
  'Placeholder',
  'Const',
  'Identity',
  'Conv2D',
  'BiasAdd',
  'MatMul',
  'Mul',
  'AddV2',
  'Sub',
  'Minimum',
  'Abs',
  'Exp',
  'Erf',
  'Relu',
  'Sigmoid',
  'Tanh',
  'Elu',
  'LeakyRelu',
  'Softplus',
  'MaxPool',
  'AvgPool',
  'Pad',
  'PadV2',
  'Mean',
  'ConcatV2',
  'Slice',
  'Reshape',
  'ArgMin',
  'GatherV2',
] as const;
