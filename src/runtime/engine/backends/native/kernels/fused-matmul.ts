import { util, type _FusedMatMulAttrs } from '../../../tfjs-core.js';
import type { NativeKernel } from '../backend.js';
import { activationCode } from '../geometry.js';
import { nativeMatMul } from './matmul-common.js';

/** _FusedMatMul: matmul + bias over the last axis + activation in one oneDNN primitive. */
export const fusedMatMul: NativeKernel = {
  kernelName: '_FusedMatMul',
  run: ({ inputs, attrs, backend }) => {
    const { a, b, bias, preluActivationWeights } = inputs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as _FusedMatMulAttrs;
    const act = activationCode(activation);
    if (!a || !b || preluActivationWeights || act === undefined) return undefined;
    let bv: Float32Array | null = null;
    if (bias) {
      const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
      const values = backend.f32(bias);
      if (!values || util.sizeFromShape(bias.shape) !== n || bias.shape.slice(0, -1).some((d) => d !== 1)) return undefined;
      bv = values;
    }
    return nativeMatMul(backend, '_FusedMatMul', a, b, transposeA, transposeB, bv, act, leakyreluAlpha ?? 0.2);
  },
};
