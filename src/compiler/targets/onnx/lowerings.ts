/**
 * One ONNX lowering per IR op. Inside the graph every map is NCHW
 * ([N, c, h, w]) because ONNX Conv and the pooling ops are NCHW-only; vectors
 * are [N, n]. Each lowering receives its inputs' value names and returns the
 * value name of its output; it names its nodes after the IR node id.
 *
 * Inference semantics: an exported model is an inference graph, the
 * deterministic mean of docs/method.md (section 2): batch norm in eval mode,
 * Dropout is the identity, Sample is its mean input, SampleMean is the
 * identity, and Quantize keeps the nearest-anchor lookup.
 */
import type { IrNode, Op, ParamRole } from '../../ir/ir.js';
import type { OnnxGraphBuilder } from './onnx-graph-builder.js';
import { adaptiveBins, nearestSourceIndices } from '../../ir/index-maps.js';

/** What an ONNX lowering reads besides the node: the graph it adds to, its inputs' value names and shapes, its parameters. */
export interface OnnxLoweringContext {
  readonly g: OnnxGraphBuilder;
  readonly opset: number;
  /** Value names of the node's inputs, in the IR's order (maps NCHW). */
  readonly inputs: readonly string[];
  /** Per-example IR shapes of the inputs ([h, w, c] or [n]). */
  readonly inputShapes: readonly (readonly number[])[];
  /** The graph input's value name and layout (for the Input op). */
  readonly graphInput: string;
  readonly layout: 'nhwc' | 'nchw';
  /** A parameter's values in the IR's layout (HWIO kernels, [in, out] dense). */
  param(role: ParamRole): Float32Array;
  paramName(role: ParamRole): string;
}

export type OnnxLowering<O extends Op = Op> = (node: IrNode<O>, ctx: OnnxLoweringContext) => string;

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

function input(ctx: OnnxLoweringContext, i: number): string {
  const v = ctx.inputs[i];
  if (v === undefined) throw new Error(`onnx export bug: missing input ${i}`);
  return v;
}

function shapeOf(ctx: OnnxLoweringContext, i: number): readonly number[] {
  const s = ctx.inputShapes[i];
  if (s === undefined) throw new Error(`onnx export bug: missing input shape ${i}`);
  return s;
}

/** HWIO [kh, kw, ci, co] -> OIHW [co, ci, kh, kw]. */
export function hwioToOihw(values: Float32Array, kh: number, kw: number, ci: number, co: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = values[((y * kw + x) * ci + i) * co + o]!;
  return out;
}

function padsAttr(p: { top: number; bottom: number; left: number; right: number }): { ints: number[] } {
  return { ints: [p.top, p.left, p.bottom, p.right] };
}

function scalar(ctx: OnnxLoweringContext, base: string, value: number): string {
  return ctx.g.floatInitializer(base, [], new Float32Array([value]));
}

/** ReduceMean over `axes` keeping dims: the axes are an attribute before opset 18 and an input from 18. */
function reduceMean(ctx: OnnxLoweringContext, x: string, axes: readonly number[], name: string): string {
  if (ctx.opset < 18) return ctx.g.node('ReduceMean', [x], { name, attrs: { axes: { ints: axes }, keepdims: { int: 1 } } });
  const axesName = ctx.g.int64Initializer(`${name}/axes`, axes);
  return ctx.g.node('ReduceMean', [x, axesName], { name, attrs: { keepdims: { int: 1 } } });
}

function sliceAxis(ctx: OnnxLoweringContext, x: string, axis: number, begin: number, end: number, name: string): string {
  const g = ctx.g;
  return g.node('Slice', [x, g.int64Initializer(`${name}/starts`, [begin]), g.int64Initializer(`${name}/ends`, [end]), g.int64Initializer(`${name}/axes`, [axis])], { name });
}

/** Averages along one NCHW spatial axis into `m` adaptive bins (exact bin means; row then column bins give the 2-D bin mean). */
function adaptiveAxis(ctx: OnnxLoweringContext, x: string, axis: 2 | 3, n: number, m: number, base: string): string {
  if (n === m) return x;
  const parts = adaptiveBins(n, m).map(([s, e], i) => reduceMean(ctx, sliceAxis(ctx, x, axis, s, e, `${base}/bin${i}`), [axis], `${base}/bin${i}/mean`));
  return ctx.g.node('Concat', parts, { name: `${base}/concat`, attrs: { axis: { int: axis } } });
}

/**
 * Whether ONNX Resize (asymmetric, floor) reproduces the exact indices for in -> out.
 * Runtimes compute src = dst / scale in float32 with scale = out / in; for some
 * ratios (e.g. 6 -> 4) that lands just below an integer and floors one pixel
 * short. Both dst / scale and dst * (1 / scale) are checked.
 */
export function resizeIsExact(inSize: number, outSize: number): boolean {
  const f = Math.fround;
  const scale = f(outSize / inSize);
  const inv = f(1 / scale);
  return nearestSourceIndices(inSize, outSize).every(
    (want, dst) => Math.min(Math.floor(f(dst / scale)), inSize - 1) === want && Math.min(Math.floor(f(dst * inv)), inSize - 1) === want,
  );
}

function activation(node: IrNode<'Activation'>, ctx: OnnxLoweringContext): string {
  const x = input(ctx, 0);
  const name = node.id;
  const { fn, alpha } = node.attrs;
  switch (fn) {
    case 'relu':
      return ctx.g.node('Relu', [x], { name });
    case 'sigmoid':
      return ctx.g.node('Sigmoid', [x], { name });
    case 'tanh':
      return ctx.g.node('Tanh', [x], { name });
    case 'leaky_relu':
      return ctx.g.node('LeakyRelu', [x], { name, attrs: { alpha: { float: alpha ?? 0.01 } } });
    case 'elu':
      return ctx.g.node('Elu', [x], { name, attrs: { alpha: { float: alpha ?? 1 } } });
    case 'softplus':
      return ctx.g.node('Softplus', [x], { name });
    case 'gelu': {
      // The exact (erf) form, as the TF.js target and the reference compute it.
      if (ctx.opset >= 20) return ctx.g.node('Gelu', [x], { name, attrs: { approximate: { string: 'none' } } });
      const scaled = ctx.g.node('Mul', [x, scalar(ctx, `${name}/rsqrt2`, Math.SQRT1_2)], { name: `${name}/scale` });
      const erf = ctx.g.node('Erf', [scaled], { name: `${name}/erf` });
      const onePlus = ctx.g.node('Add', [erf, scalar(ctx, `${name}/one`, 1)], { name: `${name}/one_plus` });
      const half = ctx.g.node('Mul', [x, scalar(ctx, `${name}/half`, 0.5)], { name: `${name}/half_x` });
      return ctx.g.node('Mul', [half, onePlus], { name });
    }
  }
}

/** Exhaustive over the IR: a missing op is a type error. */
export const onnxLowerings: { readonly [O in Op]: OnnxLowering<O> } = {
  Input: (node, ctx) => {
    if (ctx.layout === 'nchw') return ctx.graphInput;
    return ctx.g.node('Transpose', [ctx.graphInput], { name: `${node.id}/to_nchw`, attrs: { perm: { ints: TO_NCHW } } });
  },

  Conv2D: (node, ctx) => {
    const { filters, kernel, stride, dilation, pads, bias } = node.attrs;
    const inChannels = shapeOf(ctx, 0)[2]!;
    const oihw = hwioToOihw(ctx.param('kernel'), kernel[0], kernel[1], inChannels, filters);
    const w = ctx.g.floatInitializer(ctx.paramName('kernel'), [filters, inChannels, kernel[0], kernel[1]], oihw);
    const inputs = [input(ctx, 0), w];
    if (bias) inputs.push(ctx.g.floatInitializer(ctx.paramName('bias'), [filters], ctx.param('bias')));
    return ctx.g.node('Conv', inputs, {
      name: node.id,
      attrs: {
        kernel_shape: { ints: kernel },
        strides: { ints: stride },
        dilations: { ints: dilation },
        pads: padsAttr(pads),
        group: { int: 1 },
      },
    });
  },

  BatchNorm: (node, ctx) => {
    const c = node.shape[node.shape.length - 1]!;
    const names = (['gamma', 'beta', 'movingMean', 'movingVariance'] as const).map((role) =>
      ctx.g.floatInitializer(ctx.paramName(role), [c], ctx.param(role)),
    );
    return ctx.g.node('BatchNormalization', [input(ctx, 0), ...names], { name: node.id, attrs: { epsilon: { float: node.attrs.epsilon } } });
  },

  Activation: activation,

  ShiftedSoftplus: (node, ctx) => {
    const shifted =
      node.attrs.shift === 0
        ? input(ctx, 0)
        : ctx.g.node('Add', [input(ctx, 0), scalar(ctx, `${node.id}/shift_value`, node.attrs.shift)], { name: `${node.id}/shift` });
    return ctx.g.node('Softplus', [shifted], { name: node.id });
  },

  MaxPool: (node, ctx) =>
    ctx.g.node('MaxPool', [input(ctx, 0)], {
      name: node.id,
      attrs: { kernel_shape: { ints: node.attrs.size }, strides: { ints: node.attrs.stride }, pads: padsAttr(node.attrs.pads) },
    }),

  AvgPool: (node, ctx) =>
    ctx.g.node('AveragePool', [input(ctx, 0)], {
      name: node.id,
      attrs: {
        kernel_shape: { ints: node.attrs.size },
        strides: { ints: node.attrs.stride },
        pads: padsAttr(node.attrs.pads),
        count_include_pad: { int: 0 },
      },
    }),

  GlobalAvgPool: (node, ctx) => {
    const pooled = ctx.g.node('GlobalAveragePool', [input(ctx, 0)], { name: `${node.id}/pool` });
    return ctx.g.node('Flatten', [pooled], { name: node.id, attrs: { axis: { int: 1 } } });
  },

  AdaptiveAvgPool: (node, ctx) => {
    const [h, w] = shapeOf(ctx, 0) as [number, number, number];
    const [oh, ow] = node.attrs.size;
    if (h % oh === 0 && w % ow === 0) {
      const k = [h / oh, w / ow];
      return ctx.g.node('AveragePool', [input(ctx, 0)], { name: node.id, attrs: { kernel_shape: { ints: k }, strides: { ints: k } } });
    }
    const rows = adaptiveAxis(ctx, input(ctx, 0), 2, h, oh, `${node.id}/rows`);
    return adaptiveAxis(ctx, rows, 3, w, ow, `${node.id}/cols`);
  },

  Dropout: (_node, ctx) => input(ctx, 0),

  Add: (node, ctx) => ctx.g.node('Add', [input(ctx, 0), input(ctx, 1)], { name: node.id }),

  Flatten: (node, ctx) => {
    if (shapeOf(ctx, 0).length !== 3) return input(ctx, 0);
    const nhwc = ctx.g.node('Transpose', [input(ctx, 0)], { name: `${node.id}/to_nhwc`, attrs: { perm: { ints: TO_NHWC } } });
    return ctx.g.node('Flatten', [nhwc], { name: node.id, attrs: { axis: { int: 1 } } });
  },

  Dense: (node, ctx) => {
    const inUnits = shapeOf(ctx, 0)[0]!;
    const inputs = [input(ctx, 0), ctx.g.floatInitializer(ctx.paramName('kernel'), [inUnits, node.attrs.units], ctx.param('kernel'))];
    if (node.attrs.bias) inputs.push(ctx.g.floatInitializer(ctx.paramName('bias'), [node.attrs.units], ctx.param('bias')));
    return ctx.g.node('Gemm', inputs, { name: node.id });
  },

  // The IR slices the last axis: channels, which is axis 1 for NCHW maps and for [N, n] vectors.
  Slice: (node, ctx) => sliceAxis(ctx, input(ctx, 0), 1, node.attrs.begin, node.attrs.begin + node.attrs.size, node.id),

  Sample: (_node, ctx) => input(ctx, 0),

  Quantize: (node, ctx) => {
    const g = ctx.g;
    const a = input(ctx, 0);
    const anchors = g.floatInitializer(ctx.paramName('anchors'), [node.attrs.anchorCount], ctx.param('anchors'));
    const shape = g.node('Shape', [a], { name: `${node.id}/shape` });
    const column = g.node('Reshape', [a, g.int64Initializer(`${node.id}/column_shape`, [-1, 1])], { name: `${node.id}/column` });
    const diff = g.node('Sub', [column, anchors], { name: `${node.id}/diff` });
    const dist = g.node('Abs', [diff], { name: `${node.id}/distance` });
    const nearest = g.node('ArgMin', [dist], { name: `${node.id}/nearest`, attrs: { axis: { int: 1 }, keepdims: { int: 0 } } });
    const values = g.node('Gather', [anchors, nearest], { name: `${node.id}/lookup`, attrs: { axis: { int: 0 } } });
    return g.node('Reshape', [values, shape], { name: node.id });
  },

  ResizeNearest: (node, ctx) => {
    const [h, w] = shapeOf(ctx, 0) as [number, number, number];
    const [oh, ow] = node.attrs.size;
    if (resizeIsExact(h, oh) && resizeIsExact(w, ow)) {
      // Output sizes, not scales: float scales can round the output size down (6 * float(5/6) < 5).
      const attrs = {
        mode: { string: 'nearest' },
        coordinate_transformation_mode: { string: 'asymmetric' },
        nearest_mode: { string: 'floor' },
      } as const;
      // Sizes for every axis ([N, C] from the input's Shape, then [oh, ow]). Opset 18's `axes`
      // attribute would avoid the Shape, but onnxruntime 1.30's transpose optimizer mis-rewrites
      // an axes-Resize behind the NCHW transpose ("sizes has 0 elements"), so it is not used.
      const shape = ctx.g.node('Shape', [input(ctx, 0)], { name: `${node.id}/shape` });
      const batchChannels = sliceAxis(ctx, shape, 0, 0, 2, `${node.id}/batch_channels`);
      const sizes = ctx.g.node('Concat', [batchChannels, ctx.g.int64Initializer(`${node.id}/spatial`, [oh, ow])], { name: `${node.id}/sizes`, attrs: { axis: { int: 0 } } });
      return ctx.g.node('Resize', [input(ctx, 0), '', '', sizes], { name: node.id, attrs });
    }
    // Float scales would floor some pixels one short: gather the exact rows and columns instead.
    const rows = h === oh ? input(ctx, 0) : ctx.g.node('Gather', [input(ctx, 0), ctx.g.int64Initializer(`${node.id}/row_index`, nearestSourceIndices(h, oh))], { name: `${node.id}/rows`, attrs: { axis: { int: 2 } } });
    if (w === ow) return rows;
    return ctx.g.node('Gather', [rows, ctx.g.int64Initializer(`${node.id}/col_index`, nearestSourceIndices(w, ow))], { name: node.id, attrs: { axis: { int: 3 } } });
  },

  Modulate: (node, ctx) => {
    const scaled = ctx.g.node('Mul', [input(ctx, 0), input(ctx, 1)], { name: `${node.id}/scale` });
    return ctx.g.node('Add', [input(ctx, 0), scaled], { name: node.id });
  },

  SampleMean: (_node, ctx) => input(ctx, 0),
};
