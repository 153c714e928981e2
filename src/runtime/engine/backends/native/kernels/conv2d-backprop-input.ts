import { backend_util, type Conv2DBackpropInputAttrs } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';
import { nativeConvInfo, packConv } from '../geometry.js';

/** Conv2DBackpropInput: dx from dy and the HWIO filter. */
export const conv2dBackpropInput: NativeKernel = {
  kernelName: 'Conv2DBackpropInput',
  run: ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (!dy || !filter || dataFormat === 'NCHW') return undefined;
    const dyv = backend.f32(dy), wv = backend.f32(filter);
    if (!dyv || !wv) return undefined;
    const info = backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    if (!nativeConvInfo(info) || info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return undefined;
    const dx = backend.allocate(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
    if (!check('Conv2DBackpropInput', backend.addon.conv2dBackpropInput(dyv, wv, dx, packConv(info)))) return undefined;
    return backend.output(inputShape, dx);
  },
};
