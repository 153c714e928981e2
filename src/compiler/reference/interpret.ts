/**
 * The reference interpreter: a plain, slow, obviously-correct evaluation of
 * every IR op with loops over Float32Arrays (NHWC, HWIO filters, [in, out]
 * dense kernels). It is the living definition of the ops: the TF.js and ONNX
 * targets and native kernels are tested against it.
 *
 * Modes: eval (training false) uses the batch-norm moving statistics and makes
 * dropout the identity; training uses batch statistics (biased variance, the
 * moving statistics are not updated here) and inverted dropout drawn from
 * `noise`. Samples: 0 = Sample returns its mean and SampleMean is the
 * identity; n > 0 = the tiling semantics of ir.ts (each Sample tiles its
 * inputs n times along the batch, sample-major; SampleMean averages the
 * groups of the model batch B).
 */
import type { IrNode, ModelIR, Op, OpAttrs, ParamRole } from '../ir/ir.js';
import type { Random } from '../../support/random.js';
import { adaptiveBins, nearestAnchorIndex, nearestSourceIndices } from '../ir/index-maps.js';

export type ReferenceOptions =
  | { readonly training: false; readonly samples: 0 }
  | { readonly training: boolean; readonly samples: number; readonly noise: Random };

export interface ReferenceResult {
  readonly logits: Float32Array;
  /** Every node's output, batch-major, for the batch that node runs at (n*B or n*n*B after samples). */
  readonly values: Map<string, Float32Array>;
}

/** A node's output: `batch` examples of per-example `shape`. */
interface Value {
  readonly data: Float32Array;
  readonly batch: number;
  readonly shape: readonly number[];
}

interface Context {
  readonly training: boolean;
  readonly samples: number;
  readonly noise?: Random;
  /** The model input's batch B. */
  readonly batch: number;
  param(role: ParamRole): Float32Array;
}

type Kernel<O extends Op> = (attrs: OpAttrs[O], inputs: readonly Value[], node: IrNode<O>, ctx: Context) => Value;

const size = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

export function runReference(
  ir: ModelIR,
  params: ReadonlyMap<string, Float32Array>,
  input: Float32Array,
  batch: number,
  options: ReferenceOptions,
): ReferenceResult {
  const expected = batch * size(ir.inputShape);
  if (input.length !== expected) throw new Error(`bug: input has ${input.length} values, expected ${expected} (batch ${batch} x ${ir.inputShape.join('x')})`);
  const values = new Map<string, Value>();
  for (const node of ir.nodes) {
    const inputs = node.inputs.map((id) => {
      const v = values.get(id);
      if (!v) throw new Error(`bug: node '${node.id}' reads '${id}' before it is computed`);
      return v;
    });
    const ctx: Context = {
      training: options.training,
      samples: options.samples,
      ...('noise' in options ? { noise: options.noise } : {}),
      batch,
      param(role) {
        const name = node.params[role];
        const p = name === undefined ? undefined : params.get(name);
        if (!p) throw new Error(`bug: node '${node.id}' has no value for its ${role} parameter '${name ?? '?'}'`);
        return p;
      },
    };
    const out = node.op === 'Input' ? { data: input, batch, shape: node.shape } : (KERNELS[node.op] as Kernel<Op>)(node.attrs, inputs, node, ctx);
    values.set(node.id, out);
  }
  const logits = values.get(ir.taps.logits);
  if (!logits) throw new Error(`bug: no logits node '${ir.taps.logits}'`);
  return { logits: logits.data, values: new Map([...values].map(([k, v]) => [k, v.data])) };
}

// ---------------------------------------------------------------- elementwise helpers

function map1(x: Value, f: (v: number) => number): Value {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]!);
  return { data: out, batch: x.batch, shape: x.shape };
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution near 1). */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

function activation(fn: OpAttrs['Activation']['fn'], alpha: number | undefined): (v: number) => number {
  switch (fn) {
    case 'relu':
      return (v) => (v > 0 ? v : 0);
    case 'sigmoid':
      return (v) => 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh;
    case 'leaky_relu': {
      const a = alpha ?? 0.01;
      return (v) => (v > 0 ? v : a * v);
    }
    case 'elu': {
      const a = alpha ?? 1;
      return (v) => (v > 0 ? v : a * (Math.exp(v) - 1));
    }
    case 'gelu':
      return (v) => 0.5 * v * (1 + erf(v / Math.SQRT2));
    case 'softplus':
      return softplus;
  }
}

/** Binary ops on values whose batches may differ by a whole factor (sample tiling): row r reads row r mod B of each. */
function broadcastRows(a: Value, b: Value, f: (r: number, aRow: number, bRow: number) => void): number {
  const batch = Math.max(a.batch, b.batch);
  if (batch % a.batch !== 0 || batch % b.batch !== 0) throw new Error(`bug: batches ${a.batch} and ${b.batch} are not tiles of one another`);
  for (let r = 0; r < batch; r++) f(r, r % a.batch, r % b.batch);
  return batch;
}

// ---------------------------------------------------------------- kernels

const KERNELS: { readonly [O in Op]: Kernel<O> } = {
  Input: () => {
    throw new Error('bug: Input is handled by the interpreter loop');
  },

  Conv2D: (attrs, [x], node, ctx) => {
    const [h, w, cin] = x!.shape as [number, number, number];
    const [oh, ow, cout] = node.shape as [number, number, number];
    const [kh, kw] = attrs.kernel;
    const [sh, sw] = attrs.stride;
    const [dh, dw] = attrs.dilation;
    const kernel = ctx.param('kernel');
    const bias = attrs.bias ? ctx.param('bias') : undefined;
    const out = new Float32Array(x!.batch * oh * ow * cout);
    for (let n = 0; n < x!.batch; n++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let co = 0; co < cout; co++) {
            let acc = bias ? bias[co]! : 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - attrs.pads.top + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - attrs.pads.left + kx * dw;
                if (ix < 0 || ix >= w) continue;
                for (let ci = 0; ci < cin; ci++) {
                  acc += x!.data[((n * h + iy) * w + ix) * cin + ci]! * kernel[((ky * kw + kx) * cin + ci) * cout + co]!;
                }
              }
            }
            out[((n * oh + oy) * ow + ox) * cout + co] = acc;
          }
    return { data: out, batch: x!.batch, shape: node.shape };
  },

  BatchNorm: (attrs, [x], _node, ctx) => {
    const c = x!.shape[x!.shape.length - 1]!;
    const rows = x!.data.length / c;
    const gamma = ctx.param('gamma');
    const beta = ctx.param('beta');
    let mean: Float64Array | Float32Array = ctx.param('movingMean');
    let variance: Float64Array | Float32Array = ctx.param('movingVariance');
    if (ctx.training) {
      const m = new Float64Array(c);
      const v = new Float64Array(c);
      for (let r = 0; r < rows; r++) for (let k = 0; k < c; k++) m[k]! += x!.data[r * c + k]!;
      for (let k = 0; k < c; k++) m[k]! /= rows;
      for (let r = 0; r < rows; r++)
        for (let k = 0; k < c; k++) {
          const d = x!.data[r * c + k]! - m[k]!;
          v[k]! += d * d;
        }
      for (let k = 0; k < c; k++) v[k]! /= rows;
      mean = m;
      variance = v;
    }
    const out = new Float32Array(x!.data.length);
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < c; k++) {
        out[r * c + k] = ((x!.data[r * c + k]! - mean[k]!) / Math.sqrt(variance[k]! + attrs.epsilon)) * gamma[k]! + beta[k]!;
      }
    return { data: out, batch: x!.batch, shape: x!.shape };
  },

  Activation: (attrs, [x]) => map1(x!, activation(attrs.fn, attrs.alpha)),

  ShiftedSoftplus: (attrs, [x]) => map1(x!, (v) => softplus(v + attrs.shift)),

  MaxPool: (attrs, [x], node) => pool(attrs, x!, node.shape, 'max'),
  AvgPool: (attrs, [x], node) => pool(attrs, x!, node.shape, 'avg'),

  GlobalAvgPool: (_attrs, [x], node) => {
    const [h, w, c] = x!.shape as [number, number, number];
    const out = new Float32Array(x!.batch * c);
    for (let n = 0; n < x!.batch; n++)
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let i = 0; i < h * w; i++) s += x!.data[(n * h * w + i) * c + k]!;
        out[n * c + k] = s / (h * w);
      }
    return { data: out, batch: x!.batch, shape: node.shape };
  },

  AdaptiveAvgPool: (attrs, [x], node) => {
    const [h, w, c] = x!.shape as [number, number, number];
    const [oh, ow] = attrs.size;
    const out = new Float32Array(x!.batch * oh * ow * c);
    const rowBins = adaptiveBins(h, oh);
    const colBins = adaptiveBins(w, ow);
    for (let n = 0; n < x!.batch; n++)
      for (let oy = 0; oy < oh; oy++) {
        const [y0, y1] = rowBins[oy]!;
        for (let ox = 0; ox < ow; ox++) {
          const [x0, x1] = colBins[ox]!;
          for (let k = 0; k < c; k++) {
            let s = 0;
            for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) s += x!.data[((n * h + y) * w + xx) * c + k]!;
            out[((n * oh + oy) * ow + ox) * c + k] = s / ((y1 - y0) * (x1 - x0));
          }
        }
      }
    return { data: out, batch: x!.batch, shape: node.shape };
  },

  Dropout: (attrs, [x], _node, ctx) => {
    if (!ctx.training || attrs.rate === 0) return x!;
    const noise = ctx.noise;
    if (!noise) throw new Error('bug: training mode without a noise generator');
    const keep = 1 - attrs.rate;
    return map1(x!, (v) => (noise.next() < keep ? v / keep : 0));
  },

  Add: (_attrs, [a, b], node) => {
    const per = size(node.shape);
    const out = new Float32Array(Math.max(a!.batch, b!.batch) * per);
    const batch = broadcastRows(a!, b!, (r, ra, rb) => {
      for (let i = 0; i < per; i++) out[r * per + i] = a!.data[ra * per + i]! + b!.data[rb * per + i]!;
    });
    return { data: out, batch, shape: node.shape };
  },

  Flatten: (_attrs, [x], node) => ({ data: x!.data, batch: x!.batch, shape: node.shape }),

  Dense: (attrs, [x], node, ctx) => {
    const inSize = x!.shape[0]!;
    const units = attrs.units;
    const kernel = ctx.param('kernel');
    const bias = attrs.bias ? ctx.param('bias') : undefined;
    const out = new Float32Array(x!.batch * units);
    for (let n = 0; n < x!.batch; n++)
      for (let u = 0; u < units; u++) {
        let acc = bias ? bias[u]! : 0;
        for (let i = 0; i < inSize; i++) acc += x!.data[n * inSize + i]! * kernel[i * units + u]!;
        out[n * units + u] = acc;
      }
    return { data: out, batch: x!.batch, shape: node.shape };
  },

  Slice: (attrs, [x], node) => {
    const last = x!.shape[x!.shape.length - 1]!;
    const rows = x!.data.length / last;
    const out = new Float32Array(rows * attrs.size);
    for (let r = 0; r < rows; r++) for (let i = 0; i < attrs.size; i++) out[r * attrs.size + i] = x!.data[r * last + attrs.begin + i]!;
    return { data: out, batch: x!.batch, shape: node.shape };
  },

  Sample: (_attrs, [mean, std], node, ctx) => {
    if (ctx.samples === 0) return mean!;
    const noise = ctx.noise;
    if (!noise) throw new Error('bug: sampling without a noise generator');
    const per = size(node.shape);
    const b = mean!.batch;
    const out = new Float32Array(ctx.samples * b * per);
    for (let s = 0; s < ctx.samples; s++)
      for (let r = 0; r < b; r++)
        for (let i = 0; i < per; i++) {
          const j = r * per + i;
          out[(s * b + r) * per + i] = mean!.data[j]! + std!.data[j]! * noise.normal();
        }
    return { data: out, batch: ctx.samples * b, shape: node.shape };
  },

  Quantize: (_attrs, [x], _node, ctx) => {
    const anchors = ctx.param('anchors');
    return map1(x!, (v) => anchors[nearestAnchorIndex(v, anchors)]!);
  },

  ResizeNearest: (attrs, [x], node) => {
    const [h, w, c] = x!.shape as [number, number, number];
    const [oh, ow] = attrs.size;
    const out = new Float32Array(x!.batch * oh * ow * c);
    const rowsFrom = nearestSourceIndices(h, oh);
    const colsFrom = nearestSourceIndices(w, ow);
    for (let n = 0; n < x!.batch; n++)
      for (let oy = 0; oy < oh; oy++) {
        const sy = rowsFrom[oy]!;
        for (let ox = 0; ox < ow; ox++) {
          const sx = colsFrom[ox]!;
          for (let k = 0; k < c; k++) out[((n * oh + oy) * ow + ox) * c + k] = x!.data[((n * h + sy) * w + sx) * c + k]!;
        }
      }
    return { data: out, batch: x!.batch, shape: node.shape };
  },

  Modulate: (_attrs, [f, a], node) => {
    const [h, w, c] = node.shape as [number, number, number];
    const per = h * w * c;
    const out = new Float32Array(Math.max(f!.batch, a!.batch) * per);
    const batch = broadcastRows(f!, a!, (r, rf, ra) => {
      for (let p = 0; p < h * w; p++) {
        const av = a!.data[ra * h * w + p]!;
        for (let k = 0; k < c; k++) {
          const fv = f!.data[rf * per + p * c + k]!;
          out[r * per + p * c + k] = fv + fv * av;
        }
      }
    });
    return { data: out, batch, shape: node.shape };
  },

  SampleMean: (_attrs, [x], node, ctx) => {
    if (x!.batch === ctx.batch) return x!;
    if (x!.batch % ctx.batch !== 0) throw new Error(`bug: SampleMean over batch ${x!.batch}, not a multiple of ${ctx.batch}`);
    const groups = x!.batch / ctx.batch;
    const per = ctx.batch * size(node.shape);
    const out = new Float32Array(per);
    for (let g = 0; g < groups; g++) for (let i = 0; i < per; i++) out[i]! += x!.data[g * per + i]!;
    for (let i = 0; i < per; i++) out[i]! /= groups;
    return { data: out, batch: ctx.batch, shape: node.shape };
  },
};

/** The kernel table, typed so that a missing op fails type-checking. */
export const REFERENCE_KERNELS = KERNELS satisfies Record<Op, unknown>;

function pool(attrs: OpAttrs['MaxPool'], x: Value, shape: readonly number[], kind: 'max' | 'avg'): Value {
  const [h, w, c] = x.shape as [number, number, number];
  const [oh, ow] = shape as [number, number, number];
  const [kh, kw] = attrs.size;
  const [sh, sw] = attrs.stride;
  const out = new Float32Array(x.batch * oh * ow * c);
  for (let n = 0; n < x.batch; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let k = 0; k < c; k++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - attrs.pads.top + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - attrs.pads.left + kx;
              if (ix < 0 || ix >= w) continue;
              const v = x.data[((n * h + iy) * w + ix) * c + k]!;
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          // Padded cells are ignored by max and excluded from the average's count (TF semantics).
          out[((n * oh + oy) * ow + ox) * c + k] = kind === 'max' ? acc : acc / count;
        }
  return { data: out, batch: x.batch, shape };
}
