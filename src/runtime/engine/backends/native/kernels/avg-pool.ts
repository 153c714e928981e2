import type { AvgPoolAttrs } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';
import { packPool } from '../geometry.js';
import { poolInfo } from './pool-common.js';

/** AvgPool: the mean over the window cells inside the image. */
export const avgPool: NativeKernel = {
  kernelName: 'AvgPool',
  run: ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as AvgPoolAttrs;
    const xv = x && backend.f32(x);
    const info = x && poolInfo(x, filterSize, strides, pad, dimRoundingMode);
    if (!x || !xv || !info) return undefined;
    const out = backend.allocate(info.batchSize * info.outHeight * info.outWidth * info.outChannels);
    if (!check('AvgPool', backend.addon.avgPool(xv, out, packPool(info)))) return undefined;
    return backend.output(info.outShape, out);
  },
};
