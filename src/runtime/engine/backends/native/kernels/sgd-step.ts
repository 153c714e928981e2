/**
 * One SGD update per parameter in one pass (native-only kernel; TF.js has none):
 *
 *   IbcSgdStep  inputs {param, grad, buf?}, attrs {lr, momentum, weightDecay, nesterov}
 *               -> [newParam, newBuf]   (newBuf only when buf is given)
 *
 * PyTorch's semantics: g = grad + weightDecay * param; buf = momentum * buf + g;
 * g = nesterov ? g + momentum * buf : buf; param = param - lr * g. The composed
 * version takes six elementwise kernels (and six output arrays) per parameter.
 * An optimizer uses it when `tf.getKernel('IbcSgdStep', tf.getBackend())` exists
 * and assigns the outputs to its variables.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';

export const SGD_STEP = 'IbcSgdStep';

export const sgdStep: NativeKernel = {
  kernelName: SGD_STEP,
  run: ({ inputs, attrs, backend }) => {
    const { param, grad, buf } = inputs;
    const pv = param && backend.f32(param), gv = grad && backend.f32(grad);
    const bv = buf ? backend.f32(buf) : null;
    if (!param || !pv || !gv || gv.length !== pv.length || bv === undefined || (bv && bv.length !== pv.length)) {
      throw new Error(`${SGD_STEP} needs float32 param, grad (and buf) of one size`);
    }
    const num = (key: string, fallback: number): number => (typeof attrs[key] === 'number' ? (attrs[key] as number) : fallback);
    const newParam = backend.allocate(pv.length);
    const newBuf = bv ? backend.allocate(pv.length) : null;
    check(SGD_STEP, backend.addon.sgdStep(pv, gv, bv, newParam, newBuf, num('lr', 0), num('momentum', 0), num('weightDecay', 0), attrs['nesterov'] ? 1 : 0));
    const outputs: TensorInfo[] = [backend.output(param.shape, newParam)];
    if (newBuf) outputs.push(backend.output(param.shape, newBuf));
    return outputs;
  },
};
