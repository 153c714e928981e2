/**
 * Gradients for the TF.js kernels the lowering table records.
 *
 * Why this file exists: @tensorflow/tfjs-core's Node bundle (dist/tf-core.node.js)
 * ships no gradient registrations; the union package @tensorflow/tfjs adds them
 * from an ESM-only folder that Node cannot load from a CommonJS package. ibc
 * depends on tfjs-core alone, so it registers the gradients of exactly the
 * kernels its lowerings use. Backward work is done by named kernels
 * (Conv2DBackpropInput/Filter, MaxPoolGrad, AvgPoolGrad, UnsortedSegmentSum)
 * or by ordinary ops, so every backend (CPU, WebGPU, native) runs it.
 *
 * Registration is global in TF.js; `registerTfjsGradients()` is idempotent and
 * replaces any gradient already registered for these kernels: the union package
 * @tensorflow/tfjs registers its own, and its GatherV2 gradient fails ibc's anchor
 * lookup ("the gradient of input indices must have 'float32' dtype, but has
 * 'int32'"), so a process that imports both must still train with ibc's.
 */
import * as tf from '../tfjs-core.js';
import { RELU_GRAD } from '../backends/native/ops.js';

type Saved = tf.Tensor[];
type Attrs = tf.NamedAttrMap;
type GradMap = Record<string, () => tf.Tensor>;

/** Sums a broadcast gradient back to `shape` (NumPy broadcasting rules). */
export function sumToShape(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (dy.shape.length === shape.length && dy.shape.every((d, i) => d === shape[i])) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? tf.sum(dy, axes, true) : dy;
  return tf.reshape(summed, [...shape]);
}

/**
 * The tape disposes each incoming gradient once it has been used, so a gradient
 * function must never hand back dy itself: identities return a clone.
 */
function fresh(result: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return result === dy ? tf.clone(dy) : result;
}

function normaliseAxes(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return list.map((a) => (a < 0 ? a + rank : a));
}

/** dy of a reduction, broadcast back over x's shape. */
function expandReduced(dy: tf.Tensor, xShape: readonly number[], axes: readonly number[]): tf.Tensor {
  const kept = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kept), tf.ones([...xShape]));
}

/** dx = x > 0 ? dy : 0: one kernel (RELU_GRAD, bit for bit dy * step(x)) where the active backend has it, dy * step(x) (two passes) elsewhere. */
function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const oneKernel = dy.dtype === 'float32' && x.dtype === 'float32' && tf.util.arraysEqual(dy.shape, x.shape)
    && tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
  return oneKernel ? (tf.engine().runKernel(RELU_GRAD, { dy, x }, {}) as tf.Tensor) : tf.mul(dy, tf.step(x));
}

function unary(kernelName: string, grad: (dy: tf.Tensor, x: tf.Tensor, attrs: Attrs) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved: Saved, attrs) => ({ x: () => fresh(grad(dy as tf.Tensor, saved[0]!, attrs), dy as tf.Tensor) }),
  };
}

type BinaryGrad = (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** The tape runs each input's gradient thunk in its own tidy, so each side is computed separately. */
function binary(kernelName: string, gradA: BinaryGrad, gradB: BinaryGrad): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved: Saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      return { a: () => fresh(sumToShape(gradA(g, a, b), a.shape), g), b: () => fresh(sumToShape(gradB(g, a, b), b.shape), g) };
    },
  };
}

/** Kernels whose outputs are piecewise constant (or integer): zero gradient. */
function zeroGrad(kernelName: string, inputNames: readonly string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: [...inputNames],
    gradFunc: (_dy, saved: Saved) => {
      const out: GradMap = {};
      // Float zeros even for integer inputs: the tape requires float gradients.
      inputNames.forEach((name, i) => (out[name] = () => tf.zeros(saved[i]!.shape)));
      return out;
    },
  };
}

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: Attrs): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
}

const configs: readonly tf.GradConfig[] = [
  binary('Add', (dy) => dy, (dy) => dy),
  binary('Sub', (dy) => dy, (dy) => tf.neg(dy)),
  binary('Multiply', (dy, _a, b) => tf.mul(dy, b), (dy, a) => tf.mul(dy, a)),
  binary('RealDiv', (dy, _a, b) => tf.div(dy, b), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))),
  binary('SquaredDifference', (dy, a, b) => tf.mul(tf.mul(dy, tf.sub(a, b)), 2), (dy, a, b) => tf.mul(tf.mul(dy, tf.sub(a, b)), -2)),
  // Ties go to a (like TF).
  binary('Maximum', (dy, a, b) => tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')), (dy, a, b) => tf.mul(dy, tf.cast(tf.less(a, b), 'float32'))),
  unary('Neg', (dy) => tf.neg(dy)),
  unary('Identity', (dy) => dy),
  unary('Relu', reluGrad),
  unary('Sigmoid', (dy, x) => {
    const y = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
  }),
  unary('Tanh', (dy, x) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x))))),
  unary('LeakyRelu', (dy, x, attrs) => tf.mul(dy, tf.where(tf.greater(x, 0), tf.onesLike(x), tf.fill(x.shape, attrs['alpha'] as number)))),
  unary('Elu', (dy, x) => tf.mul(dy, tf.where(tf.greater(x, 0), tf.onesLike(x), tf.exp(x)))),
  unary('Erf', (dy, x) => tf.mul(dy, tf.mul(tf.exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI)))),
  unary('Exp', (dy, x) => tf.mul(dy, tf.exp(x))),
  unary('Log', (dy, x) => tf.div(dy, x)),
  unary('Log1p', (dy, x) => tf.div(dy, tf.add(x, 1))),
  unary('Abs', (dy, x) => tf.mul(dy, tf.sign(x))),
  unary('Square', (dy, x) => tf.mul(dy, tf.mul(x, 2))),
  unary('Sqrt', (dy, x) => tf.div(dy, tf.mul(tf.sqrt(x), 2))),
  unary('Rsqrt', (dy, x) => tf.mul(dy, tf.mul(tf.pow(x, -1.5), -0.5))),
  unary('Cast', (dy) => dy),
  unary('Reshape', (dy, x) => tf.reshape(dy, x.shape)),
  {
    kernelName: 'ExpandDims',
    inputsToSave: ['input'],
    gradFunc: (dy, saved: Saved) => ({ input: () => tf.reshape(dy as tf.Tensor, saved[0]!.shape) }),
  },
  unary('Sum', (dy, x, attrs) => expandReduced(dy, x.shape, normaliseAxes(attrs['axis'], x.rank))),
  unary('Mean', (dy, x, attrs) => {
    const axes = normaliseAxes(attrs['axis'], x.rank);
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    return tf.div(expandReduced(dy, x.shape, axes), count);
  }),
  unary('Transpose', (dy, _x, attrs) => {
    const perm = attrs['perm'] as number[];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return tf.transpose(dy, inverse);
  }),
  unary('Tile', (dy, x, attrs) => tileGrad(dy, x.shape, attrs['reps'] as number[])),
  unary('PadV2', (dy, x, attrs) => {
    const paddings = attrs['paddings'] as [number, number][];
    return tf.slice(dy, paddings.map((p) => p[0]), x.shape);
  }),
  unary('Slice', (dy, x, attrs) => {
    const raw = attrs['begin'] as number | number[];
    const begin = (Array.isArray(raw) ? raw : [raw]).slice();
    while (begin.length < x.rank) begin.push(0);
    const paddings = x.shape.map((d, i) => [begin[i]!, d - begin[i]! - dy.shape[i]!] as [number, number]);
    return tf.pad(dy, paddings);
  }),
  {
    kernelName: 'Select',
    inputsToSave: ['condition'],
    gradFunc: (dy, saved: Saved) => {
      const cond = tf.cast(saved[0]!, 'float32');
      const g = dy as tf.Tensor;
      return { condition: () => tf.zeros(saved[0]!.shape), t: () => tf.mul(g, cond), e: () => tf.mul(g, tf.sub(1, cond)) };
    },
  },
  {
    // Batch norm with given statistics (eval mode under a tape, e.g. saliency maps). Training mode
    // does not reach this: its lowering is a custom op with the batch-statistics gradient.
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const g = dy as tf.Tensor;
      const epsilon = (attrs['varianceEpsilon'] as number | undefined) ?? 0.001;
      const axes = Array.from({ length: g.rank - 1 }, (_, i) => i);
      const channelShape = (t: tf.Tensor): tf.Tensor => sumToShape(t, mean.shape);
      const rstd = (): tf.Tensor => tf.rsqrt(tf.add(variance, epsilon));
      const k = (): tf.Tensor => (scale ? tf.mul(scale, rstd()) : rstd());
      const out: GradMap = {
        x: () => tf.mul(g, k()),
        mean: () => channelShape(tf.neg(tf.mul(tf.sum(g, axes), k()))),
        variance: () => channelShape(tf.mul(tf.sum(tf.mul(g, tf.sub(x, mean)), axes), tf.mul(tf.mul(k(), tf.square(rstd())), -0.5))),
        offset: () => channelShape(tf.sum(g, axes)),
      };
      if (scale) out['scale'] = () => channelShape(tf.sum(tf.mul(g, tf.mul(tf.sub(x, mean), rstd())), axes));
      return out;
    },
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [a, b] = saved as [tf.Tensor3D, tf.Tensor3D];
      const g = dy as tf.Tensor3D;
      const tA = attrs['transposeA'] as boolean;
      const tB = attrs['transposeB'] as boolean;
      let da: () => tf.Tensor;
      let db: () => tf.Tensor;
      if (!tA && !tB) {
        da = () => tf.matMul(g, b, false, true);
        db = () => tf.matMul(a, g, true, false);
      } else if (!tA && tB) {
        da = () => tf.matMul(g, b, false, false);
        db = () => tf.matMul(g, a, true, false);
      } else if (tA && !tB) {
        da = () => tf.matMul(b, g, false, true);
        db = () => tf.matMul(a, g, false, false);
      } else {
        da = () => tf.matMul(b, g, true, true);
        db = () => tf.matMul(g, a, true, true);
      }
      return { a: () => sumToShape(da(), a.shape), b: () => sumToShape(db(), b.shape) };
    },
  },
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dilations = attrs['dilations'];
      const d = Array.isArray(dilations) ? dilations : [dilations, dilations];
      if (d.some((v) => v !== undefined && v !== 1)) throw new Error('Conv2D gradient: the lowering expresses dilation through the kernel; got dilations ' + String(d));
      const common = { strides: attrs['strides']!, pad: attrs['pad']!, dataFormat: attrs['dataFormat']!, dimRoundingMode: attrs['dimRoundingMode'] } as Attrs;
      return {
        x: () => runKernel('Conv2DBackpropInput', { dy: dy as tf.Tensor, filter }, { ...common, inputShape: x.shape }),
        filter: () => runKernel('Conv2DBackpropFilter', { x, dy: dy as tf.Tensor }, { ...common, filterShape: filter.shape }),
      };
    },
  },
  {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [x, y] = saved as [tf.Tensor, tf.Tensor];
      return {
        x: () =>
          runKernel('MaxPoolGrad', { dy: dy as tf.Tensor, input: x, output: y }, {
            filterSize: attrs['filterSize']!,
            strides: attrs['strides']!,
            pad: attrs['pad']!,
            dimRoundingMode: attrs['dimRoundingMode'],
          } as Attrs),
      };
    },
  },
  {
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, saved: Saved, attrs) => {
      const x = saved[0]!;
      const pad = attrs['pad'];
      // The lowering only emits 'valid' average pools (padding is done explicitly), where every backend agrees.
      if (pad !== 'valid' && pad !== 0) throw new Error('AvgPool gradient: the lowering pads explicitly; got pad ' + JSON.stringify(pad));
      return { x: () => runKernel('AvgPoolGrad', { dy: dy as tf.Tensor, input: x }, { filterSize: attrs['filterSize']!, strides: attrs['strides']!, pad: 'valid' }) };
    },
  },
  {
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, saved: Saved, attrs) => {
      const [x, indices] = saved as [tf.Tensor, tf.Tensor];
      const axis = ((attrs['axis'] as number) + x.rank) % x.rank;
      return { x: () => gatherGrad(dy as tf.Tensor, x.shape, indices, axis), indices: () => tf.zeros(indices.shape) };
    },
  },
  zeroGrad('ArgMin', ['x']),
  zeroGrad('ArgMax', ['x']),
  zeroGrad('Greater', ['a', 'b']),
  zeroGrad('GreaterEqual', ['a', 'b']),
  zeroGrad('Sign', ['x']),
  zeroGrad('OneHot', ['indices']),
  zeroGrad('ZerosLike', ['x']),
  zeroGrad('OnesLike', ['x']),
];

/**
 * Gradient of tile: the copies summed back, one tiled axis at a time as
 * [before, copies, size, after] (rank 4 at most: TF.js's WebGPU shaders do not
 * compile above rank 6, and summing all axes at once would need rank 2 x rank).
 */
function tileGrad(dy: tf.Tensor, xShape: readonly number[], reps: readonly number[]): tf.Tensor {
  let g = dy;
  const shape = [...dy.shape];
  reps.forEach((r, axis) => {
    if (r === 1) return;
    const before = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const after = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    g = tf.sum(tf.reshape(g, [before, r, xShape[axis]!, after]), 1);
    shape[axis] = xShape[axis]!;
  });
  return tf.reshape(g, [...xShape]);
}

/**
 * Whether the active backend's UnsortedSegmentSum adds in a fixed order. The
 * WebGPU backend's adds with atomics, in whatever order the GPU runs its
 * threads, so a seeded run would not reproduce itself; there the scatter-add
 * is a matrix product with the one-hot indices instead (n is small where ibc
 * gathers: anchors, or rows and columns of a resize), which sums in a fixed order.
 */
function scatterAddIsOrdered(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/**
 * Gradient of gather along `axis`: scatter-add dy back with UnsortedSegmentSum
 * (repeated indices accumulate, as in nearest-neighbour upsampling and in the
 * anchor lookup).
 */
function gatherGrad(dy: tf.Tensor, xShape: readonly number[], indices: tf.Tensor, axis: number): tf.Tensor {
  const n = xShape[axis]!;
  const outer = xShape.slice(0, axis);
  const inner = xShape.slice(axis + 1);
  // dy has shape [...outer, ...indices.shape, ...inner]; move the index axes to the front.
  const idxRank = indices.rank;
  const perm = [
    ...Array.from({ length: idxRank }, (_, i) => outer.length + i),
    ...Array.from({ length: outer.length }, (_, i) => i),
    ...Array.from({ length: inner.length }, (_, i) => outer.length + idxRank + i),
  ];
  const moved = tf.transpose(dy, perm);
  const rest = [...outer, ...inner];
  const flat = tf.reshape(moved, [indices.size, ...rest]);
  const ids = tf.reshape(indices, [indices.size]) as tf.Tensor1D;
  const summed = scatterAddIsOrdered() // [n, ...outer, ...inner]
    ? tf.unsortedSegmentSum(flat, ids, n)
    : tf.reshape(tf.matMul(tf.oneHot(tf.cast(ids, 'int32'), n, 1, 0, 'float32'), tf.reshape(flat, [indices.size, -1]), true, false), [n, ...rest]);
  const back = [
    ...Array.from({ length: outer.length }, (_, i) => 1 + i),
    0,
    ...Array.from({ length: inner.length }, (_, i) => 1 + outer.length + i),
  ];
  return tf.transpose(summed, back);
}

/** Registers the gradients above, over any registered before. Safe to call any number of times. */
export function registerTfjsGradients(): void {
  for (const config of configs) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}
