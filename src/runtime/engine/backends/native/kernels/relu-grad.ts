/**
 * The ReLU gradient in one pass (native-only kernel; TF.js composes it as
 * dy * step(x), two passes and an intermediate array):
 *
 *   IbcReluGrad  inputs {dy, x} of one shape -> dx = x > 0 ? dy : 0 (NaN in x stays NaN)
 *
 * A gradient function uses it when `tf.getKernel('IbcReluGrad', tf.getBackend())` exists.
 */
import { util } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';
import { BINARY_OPS } from '../addon.js';

export const RELU_GRAD = 'IbcReluGrad';

export const reluGrad: NativeKernel = {
  kernelName: RELU_GRAD,
  run: ({ inputs, backend }) => {
    const { dy, x } = inputs;
    const dyv = dy && backend.f32(dy), xv = x && backend.f32(x);
    if (!dy || !x || !dyv || !xv || !util.arraysEqual(dy.shape, x.shape)) throw new Error(`${RELU_GRAD} needs float32 dy and x of one shape`);
    const out = backend.allocate(xv.length);
    check(RELU_GRAD, backend.addon.binary(BINARY_OPS.ReluGrad, dyv, xv, out, Int32Array.from([1, Math.max(1, xv.length), 1, 1])));
    return backend.output(x.shape, out);
  },
};
