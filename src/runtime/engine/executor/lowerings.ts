/**
 * The TF.js lowering table: one function per IR op (src/compiler/ir/ir.ts),
 * from the node and its input tensors to its output tensor. Layout is NHWC
 * with the batch as the first axis. Only @tensorflow/tfjs-core ops are used,
 * so the same table runs on every registered backend (CPU, WebGPU, the native
 * oneDNN backend).
 *
 * The functions here do not call tf.tidy themselves: the executor runs a whole
 * forward pass inside one tidy (or inside tf.variableGrads), which owns every
 * intermediate tensor.
 *
 * Randomness (docs/method.md, section 2, "Sampling"): noise comes from the run's seeded
 * `Random`, drawn in node order, in row-major order of the tiled output:
 *  - Sample (n > 0): `noise.fillNormal` over n*B'*prod(shape) values, once per node;
 *  - Dropout (training, rate > 0): one `noise.next()` per element; an element
 *    is kept when u < 1 - rate and then scaled by 1 / (1 - rate).
 * This is the reference interpreter's order (src/compiler/reference/interpret.ts).
 * Nothing here calls tf.random*: TF.js random ops are not reproducible from
 * the run's seed.
 */
import * as tf from '../tfjs-core.js';
import type { IrNode, Op, ParamRole, Pads } from '../../../compiler/ir/ir.js';
import type { Random } from '../../../support/random.js';
import { adaptiveBins, nearestSourceIndices } from '../../../compiler/ir/index-maps.js';
import { BN_TRAIN } from '../backends/native/ops.js';

/** What a TF.js executor lowering may read besides its inputs. One context per forward pass. */
export interface ExecutorLoweringContext {
  /** Training mode: batch statistics in BatchNorm, active Dropout. */
  readonly training: boolean;
  /** The run's sample count n (0 = deterministic mean). */
  readonly samples: number;
  /** Batch size B of the model input (SampleMean folds back to it). */
  readonly batch: number;
  /** The model input (NHWC). */
  readonly input: tf.Tensor;
  /** The value of the node's parameter `role`; throws (a bug) when the node has none. */
  param(node: IrNode, role: ParamRole): tf.Tensor;
  /** The seeded noise source; throws (a bug in the caller) when the pass was started without one. */
  noise(): Random;
  /** BatchNorm in training mode reports the new moving statistics here (PyTorch momentum convention). */
  recordStatistics(node: IrNode<'BatchNorm'>, movingMean: tf.Tensor, movingVariance: tf.Tensor): void;
}

export type ExecutorLowering<O extends Op> = (node: IrNode<O>, inputs: readonly tf.Tensor[], ctx: ExecutorLoweringContext) => tf.Tensor;

/** Explicit NHWC padding in TF.js's form; 'valid' when there is none. */
function explicitPads(p: Pads): 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0) return 'valid';
  return [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
}

/**
 * A dilated HWIO kernel with zeros inserted between taps, so that dilation is
 * an ordinary convolution. TF.js has no gradient for dilated conv2d and does
 * not allow dilation together with stride; this form has both. Rows, then
 * columns, each padded as a tensor of rank 3 or 4 (TF.js's WebGPU pad shader
 * does not compile at rank 6).
 */
function dilateKernel(kernel: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  const [kh, kw, cin, cout] = kernel.shape;
  if (dh === 1 && dw === 1) return kernel;
  const rowsHigh = (kh - 1) * dh + 1;
  const rows = tf.pad(tf.reshape(kernel, [kh, 1, kw * cin * cout]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
  ]);
  const byRow = tf.slice(tf.reshape(rows, [kh * dh, kw, cin, cout]), [0, 0, 0, 0], [rowsHigh, kw, cin, cout]);
  const cols = tf.pad(tf.reshape(byRow, [rowsHigh, kw, 1, cin * cout]), [
    [0, 0],
    [0, 0],
    [0, dw - 1],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(cols, [rowsHigh, kw * dw, cin, cout]), [0, 0, 0, 0], [rowsHigh, (kw - 1) * dw + 1, cin, cout]) as tf.Tensor4D;
}

/** Returns x unchanged in the forward pass with a zero gradient: stop_gradient. */
export const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

/**
 * softplus(x) = max(x, 0) + log1p(exp(-|x|)): no overflow for large x, no loss
 * of precision for very negative x (where the value is tiny). The gradient is
 * sigmoid(x) exactly, including at 0.
 */
export const stableSoftplus = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sigmoid(saved[0]!)),
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** Index of the nearest anchor per element (ties: the lowest index), as int32 with a's shape. */
export function nearestAnchor(a: tf.Tensor, anchors: tf.Tensor): tf.Tensor {
  // Distances as [elements, anchors] (rank 2): TF.js's WebGPU broadcast shader fails to compile at rank 5.
  const distance = tf.squaredDifference(tf.reshape(a, [-1, 1]), anchors);
  return tf.reshape(tf.argMin(distance, -1), a.shape);
}

/**
 * The "hard" quantized map a_q = anchors[argmin_k (a - v_k)^2]. Its gradient
 * reaches the anchors only (argmin is piecewise constant): this is what the
 * vq loss differentiates.
 */
export function quantizeHard(a: tf.Tensor, anchors: tf.Tensor): tf.Tensor {
  return tf.gather(anchors, nearestAnchor(a, anchors));
}

/**
 * The straight-through quantizer: forward value a_q (nearest anchor),
 * gradient w.r.t. a the identity, gradient w.r.t. the anchors zero (the
 * anchors learn through the vq loss only). Equal to a + stop_gradient(a_q - a).
 */
export const quantizeStraightThrough = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const a = args[0] as tf.Tensor;
  const anchors = args[1] as tf.Tensor;
  const anchorShape = anchors.shape;
  return {
    value: quantizeHard(a, anchors),
    gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.zeros(anchorShape)],
  };
}) as (a: tf.Tensor, anchors: tf.Tensor) => tf.Tensor;

/** PyTorch's adaptive pooling bins as an averaging matrix [out, in]. */
function adaptiveMatrix(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  adaptiveBins(inSize, outSize).forEach(([start, end], i) => {
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  });
  return tf.tensor2d(m, [outSize, inSize]);
}

/** Source indices of PyTorch 'nearest' resizing (index-maps.ts) as an int32 tensor. */
function nearestIndices(inSize: number, outSize: number): tf.Tensor1D {
  return tf.tensor1d(nearestSourceIndices(inSize, outSize), 'int32');
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

function lowerActivation(node: IrNode<'Activation'>, [x]: readonly tf.Tensor[]): tf.Tensor {
  const alpha = node.attrs.alpha;
  switch (node.attrs.fn) {
    case 'relu':
      return tf.relu(x!);
    case 'sigmoid':
      return tf.sigmoid(x!);
    case 'tanh':
      return tf.tanh(x!);
    case 'leaky_relu':
      return tf.leakyRelu(x!, alpha ?? 0.01);
    case 'elu':
      if (alpha === undefined || alpha === 1) return tf.elu(x!);
      return tf.where(tf.greater(x!, 0), x!, tf.mul(alpha, tf.sub(tf.exp(x!), 1)));
    case 'gelu':
      return gelu(x!);
    case 'softplus':
      return stableSoftplus(x!);
  }
}

function lowerConv2D(node: IrNode<'Conv2D'>, [x]: readonly tf.Tensor[], ctx: ExecutorLoweringContext): tf.Tensor {
  const { stride, dilation, pads } = node.attrs;
  const kernel = dilateKernel(ctx.param(node, 'kernel') as tf.Tensor4D, dilation[0], dilation[1]);
  // With a bias, the fused op runs one kernel (FusedConv2D) and carries its own gradient.
  return tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: kernel,
    strides: [stride[0], stride[1]],
    pad: explicitPads(pads),
    dataFormat: 'NHWC',
    ...(node.attrs.bias ? { bias: ctx.param(node, 'bias') } : {}),
  });
}

/** Axes a batch norm reduces over: everything but the channel (last) axis. */
function statisticAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i);
}

/**
 * Training-mode batch norm as one differentiable op: forward through the fused
 * kernel with the batch statistics, backward in closed form (the gradient
 * through the batch mean and variance included), which takes a handful of
 * elementwise kernels instead of differentiating every step of the moments.
 * `report` receives the batch mean and biased variance; they are kept
 * (tf.keep) and the caller disposes them.
 */
function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, report: (mean: tf.Tensor, variance: tf.Tensor) => void): tf.Tensor {
  const axes = statisticAxes(x);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(input!, axes);
    report(tf.keep(mean), tf.keep(variance));
    save([input!, mean, variance, scale!]);
    return {
      value: tf.batchNorm(input!, mean, variance, offset!, scale!, epsilon),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, m, v, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const rstd = tf.rsqrt(tf.add(v, epsilon));
        const xhat = tf.mul(tf.sub(xs, m), rstd);
        const sumDy = tf.sum(dy, axes);
        const sumDyXhat = tf.sum(tf.mul(dy, xhat), axes);
        // dx = g rstd / N (N dy - sum dy - xhat sum(dy xhat)), with the per-channel factors folded first.
        const k = tf.mul(g, rstd);
        const dx = tf.sub(tf.sub(tf.mul(dy, k), tf.mul(sumDy, tf.div(k, count))), tf.mul(xhat, tf.mul(sumDyXhat, tf.div(k, count))));
        return [dx, sumDyXhat, sumDy];
      },
    };
  });
  return op(x, gamma, beta);
}

/**
 * A backend may offer training-mode batch norm as one kernel with its gradient
 * registered (ibc's native backend does: src/runtime/engine/backends/native/kernels/
 * batch-norm-train.ts): inputs {x, scale, offset}, attrs {epsilon}, outputs
 * [y, batch mean, biased batch variance].
 */

function lowerBatchNorm(node: IrNode<'BatchNorm'>, [x]: readonly tf.Tensor[], ctx: ExecutorLoweringContext): tf.Tensor {
  const gamma = ctx.param(node, 'gamma');
  const beta = ctx.param(node, 'beta');
  const { epsilon, momentum } = node.attrs;
  // A frozen stage's BatchNorm trains as it evaluates: on its running statistics, which stay as they are.
  if (!ctx.training || node.attrs.frozen === true) return tf.batchNorm(x!, ctx.param(node, 'movingMean'), ctx.param(node, 'movingVariance'), beta, gamma, epsilon);
  let mean: tf.Tensor | undefined;
  let variance: tf.Tensor | undefined;
  let y: tf.Tensor;
  if (tf.getKernel(BN_TRAIN, tf.getBackend()) !== undefined) {
    [y, mean, variance] = tf.engine().runKernel(BN_TRAIN, { x: x!, scale: gamma, offset: beta }, { epsilon }) as tf.Tensor[] as [tf.Tensor, tf.Tensor, tf.Tensor];
  } else {
    y = batchNormTraining(x!, gamma, beta, epsilon, (m, v) => {
      mean = m;
      variance = v;
    });
  }
  const count = statisticAxes(x!).reduce((n, a) => n * x!.shape[a]!, 1);
  // PyTorch: the running variance uses the unbiased estimate; normalisation uses the biased one.
  const unbiased = count > 1 ? tf.mul(variance!, count / (count - 1)) : tf.clone(variance!);
  ctx.recordStatistics(
    node,
    tf.add(tf.mul(ctx.param(node, 'movingMean'), 1 - momentum), tf.mul(mean!, momentum)),
    tf.add(tf.mul(ctx.param(node, 'movingVariance'), 1 - momentum), tf.mul(unbiased, momentum)),
  );
  mean!.dispose();
  variance!.dispose();
  return y;
}

function lowerDropout(node: IrNode<'Dropout'>, [x]: readonly tf.Tensor[], ctx: ExecutorLoweringContext): tf.Tensor {
  const rate = node.attrs.rate;
  if (!ctx.training || rate <= 0) return x!;
  const noise = ctx.noise();
  const mask = new Float32Array(x!.size);
  const keep = 1 - rate;
  const scale = 1 / keep;
  for (let i = 0; i < mask.length; i++) mask[i] = noise.next() < keep ? scale : 0;
  return tf.mul(x!, tf.tensor(mask, x!.shape));
}

function lowerSample(node: IrNode<'Sample'>, [mean, std]: readonly tf.Tensor[], ctx: ExecutorLoweringContext): tf.Tensor {
  const n = ctx.samples;
  if (n <= 0) return mean!;
  const reps = [n, ...new Array<number>(mean!.rank - 1).fill(1)];
  const m = n === 1 ? mean! : tf.tile(mean!, reps);
  const s = n === 1 ? std! : tf.tile(std!, reps);
  const eps = ctx.noise().fillNormal(new Float32Array(m.size));
  return tf.add(m, tf.mul(s, tf.tensor(eps, m.shape)));
}

/**
 * Binary ops may meet operands whose batches differ by a whole factor: one side
 * went through a Sample (n draws, sample-major), the other did not. Row r of the
 * result reads row r mod B of the smaller side, i.e. the smaller side is tiled.
 */
function matchBatches(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const na = a.shape[0];
  const nb = b.shape[0];
  if (na === nb) return [a, b];
  const tileTo = (x: tf.Tensor, n: number): tf.Tensor => tf.tile(x, [n / x.shape[0], ...new Array<number>(x.rank - 1).fill(1)]);
  if (na > nb && na % nb === 0) return [a, tileTo(b, na)];
  if (nb > na && nb % na === 0) return [tileTo(a, nb), b];
  throw new Error(`batches ${na} and ${nb} are not sample tilings of one another`);
}

function lowerModulate(_node: IrNode<'Modulate'>, [f, a]: readonly tf.Tensor[]): tf.Tensor {
  const [features, map] = matchBatches(f!, a!);
  return tf.add(features, tf.mul(features, map));
}

function lowerAdaptiveAvgPool(node: IrNode<'AdaptiveAvgPool'>, [x]: readonly tf.Tensor[]): tf.Tensor {
  const [b, h, w, c] = x!.shape as [number, number, number, number];
  const [oh, ow] = node.attrs.size;
  if (oh === h && ow === w) return x!;
  // Separable: rows then columns, each a matrix product with the bin-averaging matrix.
  const rowMatrix = tf.tile(tf.expandDims(adaptiveMatrix(h, oh), 0), [b, 1, 1]);
  const rows = tf.matMul(rowMatrix as tf.Tensor3D, tf.reshape(x!, [b, h, w * c]) as tf.Tensor3D); // [b, oh, w*c]
  const cols = tf.reshape(tf.transpose(tf.reshape(rows, [b, oh, w, c]), [0, 1, 3, 2]), [b * oh * c, w]);
  const pooled = tf.matMul(cols as tf.Tensor2D, adaptiveMatrix(w, ow), false, true); // [b*oh*c, ow]
  return tf.transpose(tf.reshape(pooled, [b, oh, c, ow]), [0, 1, 3, 2]);
}

function padSpatial(x: tf.Tensor, p: Pads, value: number): tf.Tensor {
  if (p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0) return x;
  return tf.pad(x, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], value);
}

// Pools pad explicitly and then run 'valid' windows: backends disagree on padded
// pooling (TF.js CPU's AvgPoolGrad ignores the excluded cells), 'valid' they all agree on.
function lowerMaxPool(node: IrNode<'MaxPool'>, [x]: readonly tf.Tensor[]): tf.Tensor {
  const { size, stride, pads } = node.attrs;
  return tf.maxPool(padSpatial(x!, pads, -Infinity) as tf.Tensor4D, [size[0], size[1]], [stride[0], stride[1]], 'valid');
}

/** Average over the window's cells inside the input (padded cells are not counted, TF semantics). */
function lowerAvgPool(node: IrNode<'AvgPool'>, [x]: readonly tf.Tensor[]): tf.Tensor {
  const { size, stride, pads } = node.attrs;
  const pooled = tf.avgPool(padSpatial(x!, pads, 0) as tf.Tensor4D, [size[0], size[1]], [stride[0], stride[1]], 'valid');
  if (pads.top === 0 && pads.bottom === 0 && pads.left === 0 && pads.right === 0) return pooled;
  const [, oh, ow] = pooled.shape;
  const [, h, w] = x!.shape as [number, number, number, number];
  const scale = new Float32Array(oh * ow);
  const covered = (start: number, extent: number, k: number): number => Math.min(start + k, extent) - Math.max(start, 0);
  for (let i = 0; i < oh; i++) {
    const rows = covered(i * stride[0] - pads.top, h, size[0]);
    for (let j = 0; j < ow; j++) scale[i * ow + j] = (size[0] * size[1]) / (rows * covered(j * stride[1] - pads.left, w, size[1]));
  }
  return tf.mul(pooled, tf.tensor4d(scale, [1, oh, ow, 1]));
}

/** The table. A missing op fails type-checking. */
export const lowerings = {
  Input: (_node, _inputs, ctx) => ctx.input,
  Conv2D: lowerConv2D,
  BatchNorm: lowerBatchNorm,
  Activation: lowerActivation,
  ShiftedSoftplus: (node, [x]) => stableSoftplus(node.attrs.shift === 0 ? x! : tf.add(x!, node.attrs.shift)),
  MaxPool: lowerMaxPool,
  AvgPool: lowerAvgPool,
  GlobalAvgPool: (_node, [x]) => tf.mean(x!, [1, 2]),
  AdaptiveAvgPool: lowerAdaptiveAvgPool,
  Dropout: lowerDropout,
  Add: (_node, [a, b]) => tf.add(...matchBatches(a!, b!)),
  Flatten: (_node, [x]) => tf.reshape(x!, [x!.shape[0], -1]),
  Dense: (node, [x], ctx) =>
    tf.fused.matMul({
      a: x as tf.Tensor2D,
      b: ctx.param(node, 'kernel') as tf.Tensor2D,
      ...(node.attrs.bias ? { bias: ctx.param(node, 'bias') } : {}),
    }),
  Slice: (node, [x]) => {
    const begin = new Array<number>(x!.rank).fill(0);
    const size = new Array<number>(x!.rank).fill(-1);
    begin[x!.rank - 1] = node.attrs.begin;
    size[x!.rank - 1] = node.attrs.size;
    return tf.slice(x!, begin, size);
  },
  Sample: lowerSample,
  Quantize: (node, [a], ctx) => quantizeStraightThrough(a!, ctx.param(node, 'anchors')),
  ResizeNearest: (node, [x]) => {
    const [, h, w] = x!.shape as [number, number, number, number];
    const [oh, ow] = node.attrs.size;
    const rows = oh === h ? x! : tf.gather(x!, nearestIndices(h, oh), 1);
    return ow === w ? rows : tf.gather(rows, nearestIndices(w, ow), 2);
  },
  Modulate: lowerModulate,
  SampleMean: (_node, [x], ctx) => {
    if (ctx.samples <= 0 || x!.shape[0] === ctx.batch) return x!;
    return tf.mean(tf.reshape(x!, [-1, ctx.batch, ...x!.shape.slice(1)]), 0);
  },
} satisfies { readonly [O in Op]: ExecutorLowering<O> };

/** Runs one node through the table (keeps the per-op typing in one place). */
export function lowerNode(node: IrNode, inputs: readonly tf.Tensor[], ctx: ExecutorLoweringContext): tf.Tensor {
  const lowering = lowerings[node.op] as ExecutorLowering<Op>;
  return lowering(node, inputs, ctx);
}
