/** Whole-array helpers the ops share. */
import type { NativeAddon } from '../../backends/native/addon.js';
import { ok } from '../op.js';

/** out[c] = sum over rows of x[row, c], with c the innermost axis (bias and BN offset gradients). */
export function channelSums(kernels: NativeAddon, x: Float32Array, out: Float32Array): void {
  ok(kernels.channelSums(x, out, out.length), 'channelSums');
}
