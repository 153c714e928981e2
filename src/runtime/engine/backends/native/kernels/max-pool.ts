import type { MaxPoolAttrs } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';
import { packPool } from '../geometry.js';
import { poolInfo } from './pool-common.js';

export const maxPool: NativeKernel = {
  kernelName: 'MaxPool',
  run: ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolAttrs;
    const xv = x && backend.f32(x);
    const info = x && poolInfo(x, filterSize, strides, pad, dimRoundingMode);
    if (!x || !xv || !info) return undefined;
    const out = backend.allocate(info.batchSize * info.outHeight * info.outWidth * info.outChannels);
    if (!check('MaxPool', backend.addon.maxPool(xv, out, packPool(info)))) return undefined;
    return backend.output(info.outShape, out);
  },
};
