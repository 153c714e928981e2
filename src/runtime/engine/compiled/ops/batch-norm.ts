/**
 * Training-mode batch norm (batch statistics over every axis but the
 * channels), optionally with the ReLU that follows it fused in, and the
 * PyTorch running-statistics update (momentum m: new = (1 - m) old + m batch,
 * with the unbiased batch variance) written straight into the buffers.
 */
import type { OpBuilder, StepRule } from '../op.js';
import { NEVER_ALIAS, ok, overwriteTarget } from '../op.js';

/** native/src/unary.cc's code for ReLU. */
const UNARY_RELU = 0;

export const batchNorm: OpBuilder<'BatchNorm'> = (ctx) => {
  const { node, output: y, kernels } = ctx;
  const x = ctx.inputs[0]!;
  const channels = x.shape[x.shape.length - 1]!;
  const count = x.data.length / channels;
  const { epsilon, momentum } = node.attrs;
  const gamma = ctx.param('gamma');
  const beta = ctx.param('beta');
  const movingMean = ctx.param('movingMean');
  const movingVariance = ctx.param('movingVariance');
  const mean = ctx.scratch(channels);
  const variance = ctx.scratch(channels);
  const dGamma = ctx.paramGrad('gamma') ?? ctx.scratch(channels);
  const dBeta = ctx.paramGrad('beta') ?? ctx.scratch(channels);
  // The kernel always writes dx (into a work array when the input wants none).
  const dx = overwriteTarget(ctx, 0) ?? { array: ctx.scratch(x.data.length), finish: () => {} };
  const relu = ctx.fusedRelu ? 1 : 0;
  // The backward's ReLU mask (output > 0), unless the max pool reading this node applies it.
  const maskInBackward = ctx.fusedRelu && !ctx.reluMaskedByPool ? 1 : 0;
  const unbiased = count > 1 ? count / (count - 1) : 1;
  // Recomputing: the same kernel on the same input gives the same statistics and output.
  const again = { mean: ctx.scratch(channels), variance: ctx.scratch(channels) };
  return {
    recompute: (into) => ok(kernels.batchNormReluTrain(x.data, gamma, beta, into, again.mean, again.variance, channels, epsilon, relu), 'batchNormReluTrain'),
    forward: () => {
      ok(kernels.batchNormReluTrain(x.data, gamma, beta, y.data, mean, variance, channels, epsilon, relu), 'batchNormReluTrain');
      for (let c = 0; c < channels; c++) {
        movingMean[c] = movingMean[c]! * (1 - momentum) + mean[c]! * momentum;
        movingVariance[c] = movingVariance[c]! * (1 - momentum) + variance[c]! * unbiased * momentum;
      }
    },
    backward: () => {
      ok(kernels.batchNormReluTrainGrad(y.grad!, x.data, maskInBackward ? ctx.savedOutput : null, mean, variance, gamma, dx.array, dGamma, dBeta, channels, epsilon, maskInBackward), 'batchNormReluTrainGrad');
      dx.finish();
    },
  };
};

/** Inference: the running statistics, and the fused ReLU when there is one. */
export const batchNormInference: OpBuilder<'BatchNorm'> = (ctx) => {
  const { node, output: y, kernels } = ctx;
  const x = ctx.inputs[0]!;
  const channels = x.shape[x.shape.length - 1]!;
  const gamma = ctx.param('gamma');
  const beta = ctx.param('beta');
  const movingMean = ctx.param('movingMean');
  const movingVariance = ctx.param('movingVariance');
  const relu = ctx.fusedRelu;
  return {
    forward: () => {
      ok(kernels.batchNorm(x.data, movingMean, movingVariance, beta, gamma, y.data, channels, node.attrs.epsilon), 'batchNorm');
      if (relu) ok(kernels.unary(UNARY_RELU, y.data, y.data, 0), 'unary relu');
    },
  };
};

/**
 * The backward reads the input (batch statistics) and, with a ReLU fused in, its output for the
 * ReLU's mask unless the max pool reading it applies the mask; it writes gamma's and beta's
 * gradients. A ReLU reading it alone runs inside it.
 */
export const batchNormRule: StepRule<'BatchNorm'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'batch statistics are means of squares over the whole batch: in bf16 their 8-bit mantissa would lose the variance of activations far from zero; the running averages accumulate over thousands of steps',
  },
  train: batchNorm,
  inference: batchNormInference,
  alias: NEVER_ALIAS,
  backwardReads: (_node, fusion) => ({ inputs: [0], output: fusion.fusedRelu && !fusion.reluMaskedByPool }),
  readsRecomputedInputs: false,
  paramGradients: 'backward',
  fusion: { isRelu: () => false, absorbsRelu: true, masksRelu: false },
  label: (node, fusion) => (fusion.fusedRelu ? `${node.op}+ReLU` : node.op),
};
