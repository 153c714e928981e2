/**
 * Training augmentation as index tables: a random crop after padding and a
 * horizontal flip become, per example, one source-row table and one
 * source-column table; copying through them needs no per-pixel branches on
 * the augmentation kind. An index of -1 means "padding" (pixel value 0,
 * which normalisation then maps like any black pixel, as torchvision's
 * RandomCrop-before-Normalize does).
 *
 * Reflect padding mirrors without repeating the edge (PyTorch's 'reflect'):
 * with padding 2, row -1 reads row 1 and row -2 reads row 2.
 *
 * Randomness, in this order for each example: the crop's row offset, its
 * column offset (each uniform in 0..2*padding), then the flip (probability 0.5).
 */
import type { AugmentSpec } from '../../compiler/spec/resolved-spec.js';
import type { Random } from '../../support/random.js';
import { runError } from '../../support/errors.js';

export interface ExampleTransform {
  /** Crop offset in the padded image, 0..2*padding (padding = centre, no shift). */
  readonly dy: number;
  readonly dx: number;
  readonly flip: boolean;
}

export const IDENTITY_TRANSFORM: ExampleTransform = { dy: 0, dx: 0, flip: false };

/** Draws one example's transform. Without crop, dy = dx = the padding's centre (0). */
export function drawTransform(rng: Random, augment: AugmentSpec): ExampleTransform {
  const padding = augment.crop?.padding ?? 0;
  const dy = padding > 0 ? rng.int(2 * padding + 1) : 0;
  const dx = padding > 0 ? rng.int(2 * padding + 1) : 0;
  const flip = augment.flip === 'horizontal' ? rng.next() < 0.5 : false;
  return { dy: dy - padding, dx: dx - padding, flip };
}

/** Source index of position i (may be outside 0..n-1) under the padding mode; -1 = padding. */
export function paddedSource(i: number, n: number, mode: 'reflect' | 'zero'): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'zero') return -1;
  return i < 0 ? -i : 2 * (n - 1) - i;
}

/**
 * Fills `out` with source indices for an axis of `n` source pixels shifted by
 * `shift` (output o reads padded position o + shift), optionally reversed
 * (flip). `out` may be shorter than the source (a crop of a larger image).
 */
export function axisSources(out: Int32Array, n: number, shift: number, mode: 'reflect' | 'zero', reverse: boolean): Int32Array {
  const m = out.length;
  for (let o = 0; o < m; o++) {
    const s = paddedSource(o + shift, n, mode);
    out[reverse ? m - 1 - o : o] = s;
  }
  return out;
}

/** Reflect padding needs padding < side; zero padding works for any. */
export function checkAugment(augment: AugmentSpec | undefined, height: number, width: number): void {
  const crop = augment?.crop;
  if (!crop || crop.mode !== 'reflect') return;
  if (crop.padding >= height || crop.padding >= width) {
    throw runError('dataCropTooLarge', { padding: crop.padding, mode: crop.mode, limit: crop.padding, height, width });
  }
}
