import { backend_util, type Conv2DBackpropFilterAttrs } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';
import { nativeConvInfo, packConv } from '../geometry.js';

/** Conv2DBackpropFilter: the HWIO filter gradient from x and dy. */
export const conv2dBackpropFilter: NativeKernel = {
  kernelName: 'Conv2DBackpropFilter',
  run: ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!x || !dy || dataFormat === 'NCHW') return undefined;
    const xv = backend.f32(x), dyv = backend.f32(dy);
    if (!xv || !dyv) return undefined;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    if (!nativeConvInfo(info) || info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return undefined;
    const dw = backend.allocate(filterShape[0] * filterShape[1] * filterShape[2] * filterShape[3]);
    if (!check('Conv2DBackpropFilter', backend.addon.conv2dBackpropFilter(xv, dyv, dw, packConv(info)))) return undefined;
    return backend.output(filterShape, dw);
  },
};
