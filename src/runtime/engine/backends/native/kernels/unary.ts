import type { TensorInfo } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';
import { UNARY_OPS as OPS } from '../addon.js';

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
