import { backend_util, util, type TensorInfo } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';

/** Op codes of native/src/reduce.cc. */
const OPS = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

/**
 * The [outer, r, inner] view of a reduction whose axes are contiguous, or
 * undefined (TF.js then transposes in JavaScript, as it always does).
 */
export function reduceView(shape: readonly number[], axes: readonly number[]): Int32Array | undefined {
  const sorted = [...axes].sort((p, q) => p - q);
  const first = sorted[0], last = sorted.at(-1);
  if (first === undefined || last === undefined || sorted.some((axis, i) => axis !== first + i)) return undefined;
  const outer = util.sizeFromShape(shape.slice(0, first));
  const r = util.sizeFromShape(shape.slice(first, last + 1));
  const inner = util.sizeFromShape(shape.slice(last + 1));
  return Int32Array.from([outer, r, inner]);
}

function reduceKernel(kernelName: keyof typeof OPS, axisAttr: string): NativeKernel {
  const op = OPS[kernelName];
  return {
    kernelName,
    run: ({ inputs, attrs, backend }): TensorInfo | undefined => {
      const { x } = inputs;
      const xv = x && backend.f32(x);
      if (!x || !xv || xv.length === 0) return undefined;
      const axes = util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape);
      const view = reduceView(x.shape, axes);
      if (!view) return undefined;
      const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
      const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      const [outer = 0, , inner = 0] = view;
      const out = backend.allocate(outer * inner);
      if (!check(kernelName, backend.addon.reduce(op, xv, out, view))) return undefined;
      return backend.output(shape, out);
    },
  };
}

export const sum = reduceKernel('Sum', 'axis');
export const mean = reduceKernel('Mean', 'axis');
export const max = reduceKernel('Max', 'reductionIndices');
export const min = reduceKernel('Min', 'axis');
