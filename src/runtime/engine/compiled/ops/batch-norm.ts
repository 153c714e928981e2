/**
 * Training-mode batch norm (batch statistics over every axis but the
 * channels), optionally with the ReLU that follows it fused in, and the
 * PyTorch running-statistics update (momentum m: new = (1 - m) old + m batch,
 * with the unbiased batch variance) written straight into the buffers; a
 * frozen stage's batch norm (attrs.frozen) trains on the running statistics.
 */
import type { OpBuilder, StepRule } from '../op.js';
import { NEVER_ALIAS, ok, overwriteTarget } from '../op.js';
import { UNARY_OPS } from '../../backends/native/addon.js';

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
      if (relu) ok(kernels.unary(UNARY_OPS.Relu, y.data, y.data, 0), 'unary relu');
    },
  };
};

/**
 * A frozen stage's batch norm in training (attrs.frozen): the running statistics normalise, as in
 * inference, and stay as they are. Its backward is the per-channel affine map's:
 * dx = dy * gamma / sqrt(var + eps) (after the fused ReLU's mask), and gamma's and beta's
 * gradients when they train (a frozen stage's do not).
 */
export const batchNormFrozen: OpBuilder<'BatchNorm'> = (ctx) => {
  const inference = batchNormInference(ctx);
  const { node, output: y } = ctx;
  const x = ctx.inputs[0]!;
  const channels = x.shape[x.shape.length - 1]!;
  const gamma = ctx.param('gamma');
  const movingMean = ctx.param('movingMean');
  const movingVariance = ctx.param('movingVariance');
  const dGamma = ctx.paramGrad('gamma');
  const dBeta = ctx.paramGrad('beta');
  const dx = overwriteTarget(ctx, 0);
  const maskInBackward = ctx.fusedRelu && !ctx.reluMaskedByPool;
  const rstd = new Float32Array(channels);
  return {
    forward: inference.forward,
    recompute: (into) => {
      ok(ctx.kernels.batchNorm(x.data, movingMean, movingVariance, ctx.param('beta'), gamma, into, channels, node.attrs.epsilon), 'batchNorm');
      if (ctx.fusedRelu) ok(ctx.kernels.unary(UNARY_OPS.Relu, into, into, 0), 'unary relu');
    },
    backward: () => {
      const dy = y.grad!;
      const saved = ctx.savedOutput;
      const input = ctx.savedInputs[0] ?? x.data;
      for (let c = 0; c < channels; c++) rstd[c] = 1 / Math.sqrt(movingVariance[c]! + node.attrs.epsilon);
      dGamma?.fill(0);
      dBeta?.fill(0);
      for (let i = 0; i < dy.length; i++) {
        const c = i % channels;
        const g = maskInBackward && !(saved[i]! > 0) ? 0 : dy[i]!;
        if (dx) dx.array[i] = g * gamma[c]! * rstd[c]!;
        if (dBeta) dBeta[c] = dBeta[c]! + g;
        if (dGamma) dGamma[c] = dGamma[c]! + g * (input[i]! - movingMean[c]!) * rstd[c]!;
      }
      dx?.finish();
    },
  };
};

/**
 * The backward reads the input (batch statistics) and, with a ReLU fused in, its output for the
 * ReLU's mask unless the max pool reading it applies the mask; it writes gamma's and beta's
 * gradients. A ReLU reading it alone runs inside it; in evaluation, it (and that ReLU) runs inside
 * a max pool reading it alone (batchNormMaxPool: one pass instead of three).
 */
export const batchNormRule: StepRule<'BatchNorm'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'batch statistics are means of squares over the whole batch: in bf16 their 8-bit mantissa would lose the variance of activations far from zero; the running averages accumulate over thousands of steps',
  },
  train: (ctx) => (ctx.node.attrs.frozen === true ? batchNormFrozen(ctx) : batchNorm(ctx)),
  inference: batchNormInference,
  alias: NEVER_ALIAS,
  backwardReads: (_node, fusion) => ({ inputs: [0], output: fusion.fusedRelu && !fusion.reluMaskedByPool }),
  readsRecomputedInputs: false,
  paramGradients: 'backward',
  fusion: {
    isRelu: () => false,
    absorbsRelu: true,
    masksRelu: false,
    // The arrays batchNormInference normalises with, in the same roles: the pool computes the same map.
    foldIntoPool: (node, param) => ({ mean: param('movingMean'), variance: param('movingVariance'), offset: param('beta'), scale: param('gamma'), epsilon: node.attrs.epsilon }),
    foldsProducer: false,
  },
  label: (node, fusion) => (fusion.fusedRelu ? `${node.op}+ReLU` : node.op),
};
