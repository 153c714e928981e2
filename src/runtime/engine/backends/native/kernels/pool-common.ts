import type { backend_util as BackendUtil } from '@tensorflow/tfjs-core';
import { backend_util, type TensorInfo } from '../../../tfjs-core.js';

/** The pooling geometry for an NHWC input, or undefined if the native kernels do not take it. */
export function poolInfo(
  x: TensorInfo, filterSize: number | [number, number], strides: number | [number, number],
  pad: 'valid' | 'same' | number | BackendUtil.ExplicitPadding, dimRoundingMode?: 'floor' | 'round' | 'ceil',
): BackendUtil.Conv2DInfo | undefined {
  if (x.shape.length !== 4) return undefined;
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  if (info.outHeight <= 0 || info.outWidth <= 0 || info.padInfo.top < 0 || info.padInfo.left < 0) return undefined;
  return info;
}
