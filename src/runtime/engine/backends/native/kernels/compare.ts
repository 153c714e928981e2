import { util, type TensorInfo } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';
import { broadcastOperands } from './binary.js';

/** Op codes of native/src/compare.cc. */
const OPS = { Greater: 0, GreaterEqual: 1, Less: 2, LessEqual: 3, Equal: 4 } as const;

function compareKernel(kernelName: keyof typeof OPS): NativeKernel {
  const op = OPS[kernelName];
  return {
    kernelName,
    run: ({ inputs, backend }): TensorInfo | undefined => {
      const operands = broadcastOperands(inputs, backend);
      if (!operands) return undefined;
      const { av, bv, outShape, layout } = operands;
      const out = new Uint8Array(util.sizeFromShape(outShape));
      if (!check(kernelName, backend.addon.compare(op, av, bv, out, layout))) return undefined;
      return backend.makeTensorInfo([...outShape], 'bool', out);
    },
  };
}

export const greater = compareKernel('Greater');
export const greaterEqual = compareKernel('GreaterEqual');
export const less = compareKernel('Less');
export const lessEqual = compareKernel('LessEqual');
export const equal = compareKernel('Equal');
