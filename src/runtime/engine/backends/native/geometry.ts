/** Packs TF.js's convolution and pooling descriptions into the integer layouts the native kernels read. */
import type { backend_util } from '@tensorflow/tfjs-core';

/** 17 integers, the order of native/src/common.h ConvGeometry. */
export function packConv(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, p.top, p.left, p.bottom, p.right,
  ]);
}

/** 14 integers, the order of native/src/pool_geometry.h. */
export function packPool(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, p.top, p.left,
  ]);
}

/** Whether the geometry is one the native kernels take: NHWC, positive sizes, no negative leading pad. */
export function nativeConvInfo(info: backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === 'channelsLast' &&
    info.outHeight > 0 && info.outWidth > 0 && info.batchSize > 0 &&
    info.padInfo.top >= 0 && info.padInfo.left >= 0
  );
}

/** Activation codes shared with native/src/common.h; undefined for one the native side does not fuse. */
export function activationCode(activation: unknown): number | undefined {
  switch (activation ?? 'linear') {
    case 'linear': return 0;
    case 'relu': return 1;
    case 'relu6': return 2;
    case 'elu': return 3;
    case 'leakyrelu': return 4;
    case 'sigmoid': return 5;
    default: return undefined;
  }
}
