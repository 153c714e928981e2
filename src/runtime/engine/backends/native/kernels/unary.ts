import type { TensorInfo } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';

/** Op codes of native/src/unary.cc. */
const OPS = {
  Relu: 0, Relu6: 1, Sigmoid: 2, Tanh: 3, Exp: 4, Log: 5, Sqrt: 6, Rsqrt: 7, Square: 8, Neg: 9, Abs: 10,
  Step: 11, Elu: 12, Softplus: 13, LeakyRelu: 14, Reciprocal: 15,
} as const;

function unaryKernel(kernelName: keyof typeof OPS, alphaAttr?: string, alphaDefault = 0): NativeKernel {
  const op = OPS[kernelName];
  return {
    kernelName,
    run: ({ inputs, attrs, backend }): TensorInfo | undefined => {
      const { x } = inputs;
      const xv = x && backend.f32(x);
      if (!x || !xv) return undefined;
      const alpha = alphaAttr !== undefined ? Number(attrs[alphaAttr] ?? alphaDefault) : alphaDefault;
      const out = backend.allocate(xv.length);
      if (!check(kernelName, backend.addon.unary(op, xv, out, alpha))) return undefined;
      return backend.output(x.shape, out);
    },
  };
}

export const relu = unaryKernel('Relu');
export const relu6 = unaryKernel('Relu6');
export const sigmoid = unaryKernel('Sigmoid');
export const tanh = unaryKernel('Tanh');
export const exp = unaryKernel('Exp');
export const log = unaryKernel('Log');
export const sqrt = unaryKernel('Sqrt');
export const rsqrt = unaryKernel('Rsqrt');
export const square = unaryKernel('Square');
export const neg = unaryKernel('Neg');
export const abs = unaryKernel('Abs');
export const step = unaryKernel('Step', 'alpha', 0);
export const elu = unaryKernel('Elu');
export const softplus = unaryKernel('Softplus');
export const leakyRelu = unaryKernel('LeakyRelu', 'alpha', 0.2);
export const reciprocal = unaryKernel('Reciprocal');
