/**
 * Convolution and dense layers on the native oneDNN kernels (the same
 * primitives the TF.js native backend runs, called directly on the plan's
 * arrays). Backward: the filter gradient, the bias gradient (per-channel sums
 * of dy) and, when something upstream trains, the input gradient. All of them
 * in the plan's precision (bf16 operands, float32 accumulation, in a bf16 plan);
 * the bias gradient's channel sums stay float32.
 */
import type { OpBuilder, StepRule } from '../op.js';
import { NEVER_ALIAS, NO_FUSION, OP_LABEL, READS_INPUT, ok, overwriteTarget } from '../op.js';
import type { NativeAddon } from '../../backends/native/addon.js';

export const conv2d: OpBuilder<'Conv2D'> = (ctx) => {
  const { node, output: y, kernels, precision } = ctx;
  const x = ctx.inputs[0]!;
  const [inH, inW, inC] = x.shape as [number, number, number];
  const [outH, outW, outC] = y.shape as [number, number, number];
  const { kernel: k, stride, dilation, pads } = node.attrs;
  const geometry = Int32Array.from([
    x.rows, inH, inW, inC, outH, outW, outC, k[0], k[1], stride[0], stride[1], dilation[0], dilation[1],
    pads.top, pads.left, pads.bottom, pads.right,
  ]);
  const filter = ctx.param('kernel');
  const bias = node.attrs.bias ? ctx.param('bias') : null;
  const dFilter = ctx.paramGrad('kernel');
  const dBias = node.attrs.bias ? ctx.paramGrad('bias') : undefined;
  const dx = overwriteTarget(ctx, 0);
  return {
    forward: () => ok(kernels.conv2d(x.data, filter, bias, y.data, geometry, 0, 0, precision), 'conv2d'),
    backward: () => {
      const dy = y.grad!;
      if (dFilter) ok(kernels.conv2dBackpropFilter(ctx.savedInputs[0]!, dy, dFilter, geometry, precision), 'conv2dBackpropFilter');
      if (dBias) channelSums(kernels, dy, dBias);
      if (dx) {
        ok(kernels.conv2dBackpropInput(dy, filter, dx.array, geometry, precision), 'conv2dBackpropInput');
        dx.finish();
      }
    },
  };
};

export const dense: OpBuilder<'Dense'> = (ctx) => {
  const { node, output: y, kernels, precision } = ctx;
  const x = ctx.inputs[0]!;
  const rows = x.rows;
  const inputs = x.width;
  const units = node.attrs.units;
  const weights = ctx.param('kernel');
  const bias = node.attrs.bias ? ctx.param('bias') : null;
  const dWeights = ctx.paramGrad('kernel');
  const dBias = node.attrs.bias ? ctx.paramGrad('bias') : undefined;
  const dx = overwriteTarget(ctx, 0);
  // matmul dims: [batchA, batchB, m, n, k, transposeA, transposeB] (native/src/matmul.cc).
  const forwardDims = Int32Array.from([1, 1, rows, units, inputs, 0, 0]);
  const inputGradDims = Int32Array.from([1, 1, rows, inputs, units, 0, 1]); // dy [rows, units] x W^T
  const weightGradDims = Int32Array.from([1, 1, inputs, units, rows, 1, 0]); // x^T [inputs, rows] x dy
  return {
    forward: () => ok(kernels.matmul(x.data, weights, bias, y.data, forwardDims, 0, 0, precision), 'matmul'),
    backward: () => {
      const dy = y.grad!;
      if (dWeights) ok(kernels.matmul(ctx.savedInputs[0]!, dy, null, dWeights, weightGradDims, 0, 0, precision), 'matmul');
      if (dBias) channelSums(kernels, dy, dBias);
      if (dx) {
        ok(kernels.matmul(dy, weights, null, dx.array, inputGradDims, 0, 0, precision), 'matmul');
        dx.finish();
      }
    },
  };
};

/** out[c] = sum over rows of x[row, c], with c the innermost axis: a bias gradient. */
function channelSums(kernels: NativeAddon, x: Float32Array, out: Float32Array): void {
  ok(kernels.channelSums(x, out, out.length), 'channelSums');
}

/** The backward reads the input for the filter gradient (through savedInputs), and writes the parameters' gradients. */
export const conv2dRule: StepRule<'Conv2D'> = {
  kind: 'compute',
  precision: {
    bf16: 'operands',
    why: "the multiply-adds are nearly all of a convolutional model's arithmetic: bf16 operands double the AVX512_BF16 throughput, and float32 accumulation keeps the sums at float32 accuracy. Forward, input gradient and filter gradient each choose: bf16 direct convolution except where float32 was measured faster (float32 Winograd on Winograd layers of 256 channels or more, in every pass, and on such layers' smaller maps in the input gradient (8x8 and up) and the filter gradient (4x4 and up); the filter gradient of Winograd layers, of layers wider than 128 channels and of layers with fewer than 16 input channels); the bias gradient (sums of dy) stays float32 (docs/precision.md)",
  },
  train: conv2d,
  inference: conv2d,
  alias: NEVER_ALIAS,
  backwardReads: READS_INPUT,
  readsRecomputedInputs: true,
  paramGradients: 'backward',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

/** The backward reads the input for the weight gradient (through savedInputs), and writes the parameters' gradients. */
export const denseRule: StepRule<'Dense'> = {
  kind: 'compute',
  precision: {
    bf16: 'operands',
    why: 'a matrix product, like the convolutions: bf16 operands, float32 accumulation, in the forward pass and both gradients; the bias gradient stays float32',
  },
  train: dense,
  inference: dense,
  alias: NEVER_ALIAS,
  backwardReads: READS_INPUT,
  readsRecomputedInputs: true,
  paramGradients: 'backward',
  fusion: NO_FUSION,
  label: OP_LABEL,
};
