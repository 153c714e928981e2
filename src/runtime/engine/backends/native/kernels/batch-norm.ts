import { util, type FusedBatchNormAttrs, type TensorInfo } from '../../../tfjs-core.js';
import { check, type NativeBackend, type NativeKernel } from '../backend.js';

/** FusedBatchNorm (tf.batchNorm): per-channel vectors along the innermost axis. */
export const batchNorm: NativeKernel = {
  kernelName: 'FusedBatchNorm',
  run: ({ inputs, attrs, backend }) => {
    const { x, mean, variance, offset, scale } = inputs;
    const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
    const channels = x?.shape.at(-1);
    if (!x || !mean || !variance || channels === undefined) return undefined;
    const xv = backend.f32(x);
    const mv = vector(backend, mean, channels), vv = vector(backend, variance, channels);
    const ov = offset ? vector(backend, offset, channels) : null;
    const sv = scale ? vector(backend, scale, channels) : null;
    if (!xv || !mv || !vv || ov === undefined || sv === undefined || channels === 0) return undefined;
    const out = backend.allocate(xv.length);
    if (!check('FusedBatchNorm', backend.addon.batchNorm(xv, mv, vv, ov, sv, out, channels, varianceEpsilon ?? 0.001))) {
      return undefined;
    }
    return backend.output(x.shape, out);
  },
};

/** A per-channel vector: one value, or `channels` values laid out along the last axis. */
function vector(backend: NativeBackend, t: TensorInfo, channels: number): Float32Array | undefined {
  const v = backend.f32(t);
  if (!v) return undefined;
  const size = util.sizeFromShape(t.shape);
  if (size === 1) return v;
  if (size !== channels || t.shape.slice(0, -1).some((d) => d !== 1)) return undefined;
  return v;
}
