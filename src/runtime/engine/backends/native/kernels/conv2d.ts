import { backend_util, type Conv2DAttrs } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';
import { nativeConvInfo, packConv } from '../geometry.js';

/** Conv2D: NHWC input, HWIO filter, read in place by oneDNN. */
export const conv2d: NativeKernel = {
  kernelName: 'Conv2D',
  run: ({ inputs, attrs, backend }) => {
    const { x, filter } = inputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
    if (!x || !filter || dataFormat === 'NCHW') return undefined;
    const xv = backend.f32(x), wv = backend.f32(filter);
    if (!xv || !wv) return undefined;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
    if (!nativeConvInfo(info)) return undefined;
    const out = backend.allocate(info.batchSize * info.outHeight * info.outWidth * info.outChannels);
    if (!check('Conv2D', backend.addon.conv2d(xv, wv, null, out, packConv(info), 0, 0))) return undefined;
    return backend.output(info.outShape, out);
  },
};
