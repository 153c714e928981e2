/**
 * Shape inference: one pure function per IR op, shared by the model builder,
 * the verifier, both targets and the reference interpreter. Shapes are per
 * example (no batch): [h, w, c] for maps, [n] for vectors.
 *
 * Errors are plain sentences with the arithmetic in them; the model builder
 * wraps them into IB4xxx diagnostics located at the layer's origin.
 */
import type { Op, OpAttrs, Pads } from './ir.js';

export type Shape = readonly number[];
export type ShapeResult = { readonly shape: Shape } | { readonly error: string };

type ShapeFn<O extends Op> = (attrs: OpAttrs[O], inputs: readonly Shape[]) => ShapeResult;

export function formatShape(shape: Shape): string {
  return shape.length === 0 ? 'a scalar' : shape.join('x');
}

function isMap(shape: Shape | undefined): shape is readonly [number, number, number] {
  return shape !== undefined && shape.length === 3;
}

function needInputs(inputs: readonly Shape[], n: number, what: string): string | undefined {
  if (inputs.length !== n) return `${what} takes ${n} input${n === 1 ? '' : 's'} but got ${inputs.length}`;
  return undefined;
}

function needMap(shape: Shape, what: string): string | undefined {
  if (!isMap(shape)) return `${what} needs a feature map [h, w, c] but its input is ${shape.length === 1 ? `a flat vector of ${shape[0]}` : formatShape(shape)}`;
  return undefined;
}

/** Output length of a windowed op along one axis (floor mode). */
export function windowOutput(input: number, kernel: number, stride: number, dilation: number, padBefore: number, padAfter: number): number {
  const effective = dilation * (kernel - 1) + 1;
  return Math.floor((input + padBefore + padAfter - effective) / stride) + 1;
}

function windowed(
  what: string,
  input: readonly [number, number, number],
  kernel: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
  pads: Pads,
  channels: number,
): ShapeResult {
  const [h, w] = input;
  for (const [v, label] of [
    [kernel[0], 'kernel'],
    [kernel[1], 'kernel'],
    [stride[0], 'stride'],
    [stride[1], 'stride'],
    [dilation[0], 'dilation'],
    [dilation[1], 'dilation'],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) return { error: `${what} ${label} must be a positive integer, got ${v}` };
  }
  for (const p of [pads.top, pads.bottom, pads.left, pads.right]) {
    if (!Number.isInteger(p) || p < 0) return { error: `${what} padding must be a non-negative integer, got ${p}` };
  }
  const oh = windowOutput(h, kernel[0], stride[0], dilation[0], pads.top, pads.bottom);
  const ow = windowOutput(w, kernel[1], stride[1], dilation[1], pads.left, pads.right);
  if (oh < 1 || ow < 1) {
    const eh = dilation[0] * (kernel[0] - 1) + 1;
    const ew = dilation[1] * (kernel[1] - 1) + 1;
    const unpadded = pads.top + pads.bottom + pads.left + pads.right === 0;
    const padding = unpadded ? 'with no padding' : `padded to ${h + pads.top + pads.bottom}x${w + pads.left + pads.right}`;
    const dil = dilation[0] > 1 || dilation[1] > 1 ? ` (dilated to ${eh}x${ew})` : '';
    return {
      error: `${what} kernel ${kernel[0]}x${kernel[1]}${dil} does not fit the ${h}x${w} input ${padding}: the output would be ${Math.max(oh, 0)}x${Math.max(ow, 0)}`,
    };
  }
  return { shape: [oh, ow, channels] };
}

const shapeFns: { readonly [O in Op]: ShapeFn<O> } = {
  Input: (attrs, inputs) => {
    if (inputs.length !== 0) return { error: 'Input takes no inputs' };
    if (attrs.shape.some((d) => !Number.isInteger(d) || d < 1)) return { error: `the input shape ${formatShape(attrs.shape)} has a non-positive size` };
    return { shape: [...attrs.shape] };
  },
  Conv2D: (attrs, inputs) => {
    const e = needInputs(inputs, 1, 'conv') ?? needMap(inputs[0]!, 'conv');
    if (e) return { error: e };
    if (!Number.isInteger(attrs.filters) || attrs.filters < 1) return { error: `conv filters must be a positive integer, got ${attrs.filters}` };
    return windowed('conv', inputs[0] as [number, number, number], attrs.kernel, attrs.stride, attrs.dilation, attrs.pads, attrs.filters);
  },
  BatchNorm: (_attrs, inputs) => {
    const e = needInputs(inputs, 1, 'batchnorm');
    if (e) return { error: e };
    const s = inputs[0]!;
    if (s.length !== 3 && s.length !== 1) return { error: `batchnorm needs a map or a vector, got ${formatShape(s)}` };
    return { shape: [...s] };
  },
  Activation: (_attrs, inputs) => unary(inputs, 'activation'),
  ShiftedSoftplus: (_attrs, inputs) => unary(inputs, 'softplus'),
  MaxPool: (attrs, inputs) => {
    const e = needInputs(inputs, 1, 'maxpool') ?? needMap(inputs[0]!, 'maxpool');
    if (e) return { error: e };
    const s = inputs[0] as [number, number, number];
    return windowed('maxpool', s, attrs.size, attrs.stride, [1, 1], attrs.pads, s[2]);
  },
  AvgPool: (attrs, inputs) => {
    const e = needInputs(inputs, 1, 'avgpool') ?? needMap(inputs[0]!, 'avgpool');
    if (e) return { error: e };
    const s = inputs[0] as [number, number, number];
    return windowed('avgpool', s, attrs.size, attrs.stride, [1, 1], attrs.pads, s[2]);
  },
  GlobalAvgPool: (_attrs, inputs) => {
    const e = needInputs(inputs, 1, 'global_avgpool') ?? needMap(inputs[0]!, 'global_avgpool');
    if (e) return { error: e };
    return { shape: [inputs[0]![2]!] };
  },
  AdaptiveAvgPool: (attrs, inputs) => {
    const e = needInputs(inputs, 1, 'adaptive_avgpool') ?? needMap(inputs[0]!, 'adaptive_avgpool');
    if (e) return { error: e };
    const [oh, ow] = attrs.size;
    if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) return { error: `adaptive_avgpool size must be positive integers, got ${oh}x${ow}` };
    return { shape: [oh, ow, inputs[0]![2]!] };
  },
  Dropout: (attrs, inputs) => {
    if (!(attrs.rate >= 0 && attrs.rate < 1)) return { error: `dropout rate must be in [0, 1), got ${attrs.rate}` };
    return unary(inputs, 'dropout');
  },
  Add: (_attrs, inputs) => {
    const e = needInputs(inputs, 2, 'add');
    if (e) return { error: e };
    const [a, b] = inputs as [Shape, Shape];
    if (!sameShape(a, b)) return { error: `add needs equal shapes but got ${formatShape(a)} and ${formatShape(b)}` };
    return { shape: [...a] };
  },
  Flatten: (_attrs, inputs) => {
    const e = needInputs(inputs, 1, 'flatten');
    if (e) return { error: e };
    return { shape: [inputs[0]!.reduce((p, d) => p * d, 1)] };
  },
  Dense: (attrs, inputs) => {
    const e = needInputs(inputs, 1, 'linear');
    if (e) return { error: e };
    const s = inputs[0]!;
    if (s.length !== 1) return { error: `linear needs a flat input but its input is the map ${formatShape(s)}; add 'flatten' (or a pooling layer) before it` };
    if (!Number.isInteger(attrs.units) || attrs.units < 1) return { error: `linear units must be a positive integer, got ${attrs.units}` };
    return { shape: [attrs.units] };
  },
  Slice: (attrs, inputs) => {
    const e = needInputs(inputs, 1, 'slice');
    if (e) return { error: e };
    const s = inputs[0]!;
    const last = s[s.length - 1]!;
    if (attrs.begin < 0 || attrs.size < 1 || attrs.begin + attrs.size > last) {
      return { error: `slice [${attrs.begin}, ${attrs.begin + attrs.size}) is outside the last axis of length ${last}` };
    }
    return { shape: [...s.slice(0, -1), attrs.size] };
  },
  Sample: (_attrs, inputs) => {
    const e = needInputs(inputs, 2, 'sample');
    if (e) return { error: e };
    const [m, s] = inputs as [Shape, Shape];
    if (!sameShape(m, s)) return { error: `sample needs a mean and a std of equal shape but got ${formatShape(m)} and ${formatShape(s)}` };
    return { shape: [...m] };
  },
  Quantize: (attrs, inputs) => {
    if (!Number.isInteger(attrs.anchorCount) || attrs.anchorCount < 1) return { error: `quantize needs at least one anchor, got ${attrs.anchorCount}` };
    return unary(inputs, 'quantize');
  },
  ResizeNearest: (attrs, inputs) => {
    const e = needInputs(inputs, 1, 'resize') ?? needMap(inputs[0]!, 'resize');
    if (e) return { error: e };
    const [oh, ow] = attrs.size;
    if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) return { error: `resize size must be positive integers, got ${oh}x${ow}` };
    return { shape: [oh, ow, inputs[0]![2]!] };
  },
  Modulate: (_attrs, inputs) => {
    const e = needInputs(inputs, 2, 'modulate') ?? needMap(inputs[0]!, 'modulate') ?? needMap(inputs[1]!, 'modulate');
    if (e) return { error: e };
    const [f, a] = inputs as [[number, number, number], [number, number, number]];
    if (a[2] !== 1) return { error: `the attention map must have 1 channel but has ${a[2]}` };
    if (f[0] !== a[0] || f[1] !== a[1]) return { error: `the attention map is ${a[0]}x${a[1]} but the feature map is ${f[0]}x${f[1]}` };
    return { shape: [...f] };
  },
  SampleMean: (_attrs, inputs) => unary(inputs, 'sample mean'),
};

function unary(inputs: readonly Shape[], what: string): ShapeResult {
  const e = needInputs(inputs, 1, what);
  if (e) return { error: e };
  return { shape: [...inputs[0]!] };
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The per-op table, typed so that a missing op fails type-checking. */
export const SHAPE_FUNCTIONS = shapeFns satisfies Record<Op, unknown>;

/** The output shape of `op` applied to inputs of `inputShapes`, or a sentence saying why it cannot be computed. */
export function inferShape<O extends Op>(op: O, attrs: OpAttrs[O], inputShapes: readonly Shape[]): ShapeResult {
  return (shapeFns[op] as ShapeFn<O>)(attrs, inputShapes);
}

/**
 * Resolves a padding setting to explicit pixels.
 * 'valid' = 0; a number n = n on every side; 'same' = TensorFlow's rule:
 * output = ceil(in / stride), total = max((out - 1) * stride + (k - 1) * d + 1 - in, 0),
 * with the odd pixel at the bottom/right.
 */
export function resolvePads(
  padding: 'same' | 'valid' | number,
  inputHW: readonly [number, number],
  kernel: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number] = [1, 1],
): Pads {
  if (padding === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (typeof padding === 'number') return { top: padding, bottom: padding, left: padding, right: padding };
  const axis = (input: number, k: number, s: number, d: number): [number, number] => {
    const out = Math.ceil(input / s);
    const total = Math.max((out - 1) * s + (k - 1) * d + 1 - input, 0);
    const before = Math.floor(total / 2);
    return [before, total - before];
  };
  const [top, bottom] = axis(inputHW[0], kernel[0], stride[0], dilation[0]);
  const [left, right] = axis(inputHW[1], kernel[1], stride[1], dilation[1]);
  return { top, bottom, left, right };
}
