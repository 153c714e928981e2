/**
 * Small whole-array helpers the ops share. The large ones run natively; the
 * rest are plain loops over the plan's arrays (they touch a few thousand
 * values: attention maps, latents, logits).
 */
import type { NativeAddon } from '../../backends/native/addon.js';
import { ok } from '../op.js';

/** out[c] = sum over rows of x[row, c], with c the innermost axis (bias and BN offset gradients). */
export function channelSums(kernels: NativeAddon, x: Float32Array, out: Float32Array): void {
  ok(kernels.channelSums(x, out, out.length), 'channelSums');
}

/** dst += src. */
export function addInto(kernels: NativeAddon, dst: Float32Array, src: Float32Array): void {
  ok(kernels.accumulate(dst, src), 'accumulate');
}
