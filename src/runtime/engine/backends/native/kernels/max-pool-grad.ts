import type { MaxPoolGradAttrs } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';
import { packPool } from '../geometry.js';
import { poolInfo } from './pool-common.js';

/** MaxPoolGrad: dy goes to the first maximum of each window (recomputed from the input). */
export const maxPoolGrad: NativeKernel = {
  kernelName: 'MaxPoolGrad',
  run: ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
    if (!dy || !input) return undefined;
    const dyv = backend.f32(dy), xv = backend.f32(input);
    const info = poolInfo(input, filterSize, strides, pad, dimRoundingMode);
    if (!dyv || !xv || !info) return undefined;
    const dx = backend.allocate(xv.length);
    if (!check('MaxPoolGrad', backend.addon.maxPoolGrad(dyv, xv, dx, packPool(info)))) return undefined;
    return backend.output(input.shape, dx);
  },
};
