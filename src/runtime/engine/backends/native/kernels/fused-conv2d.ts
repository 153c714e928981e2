import { backend_util, util, type FusedConv2DAttrs } from '../../../tfjs-core.js';
import { check, type NativeKernel } from '../backend.js';
import { activationCode, nativeConvInfo, packConv } from '../geometry.js';

/** FusedConv2D: convolution + per-channel bias + activation in one oneDNN primitive. */
export const fusedConv2d: NativeKernel = {
  kernelName: 'FusedConv2D',
  run: ({ inputs, attrs, backend }) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } =
      attrs as unknown as FusedConv2DAttrs;
    if (!x || !filter || dataFormat === 'NCHW' || preluActivationWeights) return undefined;
    const act = activationCode(activation);
    const xv = backend.f32(x), wv = backend.f32(filter);
    if (act === undefined || !xv || !wv) return undefined;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
    if (!nativeConvInfo(info)) return undefined;
    let bv: Float32Array | null = null;
    if (bias) {
      const values = backend.f32(bias);
      if (!values || util.sizeFromShape(bias.shape) !== info.outChannels || bias.shape.length > 1 && bias.shape.slice(0, -1).some((d) => d !== 1)) {
        return undefined;
      }
      bv = values;
    }
    const out = backend.allocate(info.batchSize * info.outHeight * info.outWidth * info.outChannels);
    const status = backend.addon.conv2d(xv, wv, bv, out, packConv(info), act, leakyreluAlpha ?? 0.2);
    if (!check('FusedConv2D', status)) return undefined;
    return backend.output(info.outShape, out);
  },
};
