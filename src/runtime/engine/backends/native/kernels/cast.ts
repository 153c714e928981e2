import type { CastAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { check, type NativeKernel } from '../backend.js';

/**
 * Cast of bool/int32 to float32 into real float storage. (TF.js's CPU Cast
 * shares the integer array, which every later float kernel would then have to
 * convert again.)
 */
export const cast: NativeKernel = {
  kernelName: 'Cast',
  accepts: ({ inputs, attrs, backend }) => {
    const x = inputs.x;
    if ((attrs as unknown as CastAttrs).dtype !== 'float32' || !x || (x.dtype !== 'bool' && x.dtype !== 'int32')) return false;
    const values = backend.data.get(x.dataId).values;
    return values instanceof Uint8Array || values instanceof Int32Array;
  },
  run: ({ inputs, attrs, backend }): TensorInfo | undefined => {
    const { x } = inputs;
    const { dtype } = attrs as unknown as CastAttrs;
    if (!x || dtype !== 'float32' || (x.dtype !== 'bool' && x.dtype !== 'int32')) return undefined;
    const values = backend.data.get(x.dataId).values;
    if (!(values instanceof Uint8Array) && !(values instanceof Int32Array)) return undefined;
    const out = backend.allocate(values.length);
    if (!check('Cast', backend.addon.castToFloat(values, out))) return undefined;
    return backend.output(x.shape, out);
  },
};
