import type { AvgPoolGradAttrs } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';
import { packPool } from '../geometry.js';
import { poolInfo } from './pool-common.js';

/** AvgPoolGrad with TF.js's CPU semantics (dy / window size spread over the window). */
export const avgPoolGrad: NativeKernel = {
  kernelName: 'AvgPoolGrad',
  run: ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs;
    const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
    if (!dy || !input) return undefined;
    const dyv = backend.f32(dy);
    const info = poolInfo(input, filterSize, strides, pad);
    if (!dyv || !info || input.dtype !== 'float32') return undefined;
    const dx = backend.allocate(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
    if (!check('AvgPoolGrad', backend.addon.avgPoolGrad(dyv, dx, packPool(info)))) return undefined;
    return backend.output(input.shape, dx);
  },
};
