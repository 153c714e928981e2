/**
 * Training-mode batch norm as two native kernels that exist only on this
 * backend (TF.js has no such kernel): each reads the activations twice instead
 * of the dozen elementwise passes that moments + normalise + their gradients take.
 *
 *   IbcBatchNormTrain     inputs {x, scale?, offset?}, attrs {epsilon}
 *                         -> [y, mean, variance]   (per channel = innermost axis; variance biased)
 *   IbcBatchNormTrainGrad inputs {dy, x, mean, variance, scale?}, attrs {epsilon}
 *                         -> [dx, dscale, doffset] (dx through the batch statistics)
 *
 * A model uses them when `tf.getKernel('IbcBatchNormTrain', tf.getBackend())`
 * exists (see batchNormTrainingOp in ../ops.ts); the gradient of the first is
 * registered with TF.js and calls the second.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { check, type NativeBackend, type NativeKernel } from '../backend.js';

export const BN_TRAIN = 'IbcBatchNormTrain';
export const BN_TRAIN_GRAD = 'IbcBatchNormTrainGrad';

function channelVector(backend: NativeBackend, t: TensorInfo | undefined, channels: number, what: string): Float32Array | null {
  if (!t) return null;
  const v = backend.f32(t);
  if (!v || v.length !== channels) throw new Error(`${what} must be a float32 vector of ${channels} values (got shape [${t.shape.join(', ')}])`);
  return v;
}

function epsilonOf(attrs: Record<string, unknown>): number {
  const eps = attrs['epsilon'];
  return typeof eps === 'number' ? eps : 1e-5;
}

export const batchNormTrain: NativeKernel = {
  kernelName: BN_TRAIN,
  run: ({ inputs, attrs, backend }) => {
    const { x, scale, offset } = inputs;
    const xv = x && backend.f32(x);
    if (!x || !xv || x.shape.length === 0) throw new Error(`${BN_TRAIN} needs a float32 input x`);
    const channels = x.shape[x.shape.length - 1]!;
    const sv = channelVector(backend, scale, channels, 'scale'), ov = channelVector(backend, offset, channels, 'offset');
    const y = backend.allocate(xv.length), mean = backend.allocate(channels), variance = backend.allocate(channels);
    check(BN_TRAIN, backend.addon.batchNormTrain(xv, sv, ov, y, mean, variance, channels, epsilonOf(attrs)));
    return [backend.output(x.shape, y), backend.output([channels], mean), backend.output([channels], variance)];
  },
};

export const batchNormTrainGrad: NativeKernel = {
  kernelName: BN_TRAIN_GRAD,
  run: ({ inputs, attrs, backend }) => {
    const { dy, x, mean, variance, scale } = inputs;
    const dyv = dy && backend.f32(dy), xv = x && backend.f32(x);
    if (!dy || !x || !dyv || !xv || dyv.length !== xv.length) throw new Error(`${BN_TRAIN_GRAD} needs float32 dy and x of one shape`);
    const channels = x.shape[x.shape.length - 1]!;
    const mv = channelVector(backend, mean, channels, 'mean'), vv = channelVector(backend, variance, channels, 'variance');
    if (!mv || !vv) throw new Error(`${BN_TRAIN_GRAD} needs mean and variance`);
    const sv = channelVector(backend, scale, channels, 'scale');
    const dx = backend.allocate(xv.length), dscale = backend.allocate(channels), doffset = backend.allocate(channels);
    check(BN_TRAIN_GRAD, backend.addon.batchNormTrainGrad(dyv, xv, mv, vv, sv, dx, dscale, doffset, channels, epsilonOf(attrs)));
    return [backend.output(x.shape, dx), backend.output([channels], dscale), backend.output([channels], doffset)];
  },
};
