/**
 * Differentiable ops over the native-only kernels, for model code that wants
 * them when the active backend has them. Model code outside the runtime need
 * not import this: it can check `tf.getKernel(BN_TRAIN, tf.getBackend())` and
 * call `tf.engine().runKernel('IbcBatchNormTrain', {x, scale, offset}, {epsilon})`
 * itself; the gradient below is registered by registerNativeBackend().
 */
import * as tf from '../../tfjs-core.js';
import { BN_TRAIN, BN_TRAIN_GRAD } from './kernels/batch-norm-train.js';

export { BN_TRAIN, BN_TRAIN_GRAD } from './kernels/batch-norm-train.js';
export { SGD_STEP } from './kernels/sgd-step.js';
export { RELU_GRAD } from './kernels/relu-grad.js';

/**
 * The gradient of IbcBatchNormTrain with respect to x, scale and offset. The
 * batch mean and variance outputs are treated as statistics (they feed the
 * running averages), so gradients arriving at them are ignored.
 */
export const batchNormTrainGradConfig: tf.GradConfig = {
  kernelName: BN_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    const [x, scale, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    // One kernel gives all three gradients, so it runs here rather than in a
    // thunk (TF.js disposes what a thunk made but did not return).
    const [dx, dscale, doffset] = tf.engine().runKernel(BN_TRAIN_GRAD, { dy, x, mean, variance, scale }, attrs) as tf.Tensor[];
    return { x: () => dx!, scale: () => dscale!, offset: () => doffset! };
  },
};

/** Whether the active backend runs training-mode batch norm natively. */
export function hasNativeBatchNormTraining(): boolean {
  return tf.getKernel(BN_TRAIN, tf.getBackend()) !== undefined;
}

/** y = (x - mean) / sqrt(variance + epsilon) * scale + offset with batch statistics over all axes but the last. */
export function batchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN, { x, scale, offset }, { epsilon }) as tf.Tensor[];
  return { y: y!, mean: mean!, variance: variance! };
}
