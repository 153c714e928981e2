import type { BatchMatMulAttrs } from '@tensorflow/tfjs-core';
import type { NativeKernel } from '../backend.js';
import { nativeMatMul } from './matmul-common.js';

/** BatchMatMul (and so tf.matMul), transposes read in place through strides. */
export const batchMatMul: NativeKernel = {
  kernelName: 'BatchMatMul',
  run: ({ inputs, attrs, backend }) => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    if (!a || !b) return undefined;
    return nativeMatMul(backend, 'BatchMatMul', a, b, transposeA, transposeB, null, 0, 0);
  },
};
