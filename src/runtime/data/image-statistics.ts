/**
 * What a split's images look like, in numbers a page can hold: the range of
 * per-image brightness (mean) and contrast (standard deviation) that most
 * images fall in, and the background's polarity where the data has a clear
 * one (Fashion-MNIST and MNIST: light items on a black background). The
 * attention explorer converts an uploaded image to match (inverting it when
 * its background is the other way round) and flags one whose numbers fall
 * outside these ranges. Values are in pixel units scaled to [0, 1], over all
 * channels.
 */
import type { Split } from './dataset.js';

/** Which way round the images are, when (almost) all agree: the background is the image border. */
export type Polarity = 'dark-background' | 'light-background';

export interface Range {
  readonly low: number;
  readonly high: number;
}

export interface ImageStatistics {
  /** Images measured. */
  readonly images: number;
  /** The share of images inside each range below (the middle 98%). */
  readonly coverage: number;
  /** Per-image mean pixel value: 1st to 99th percentile. */
  readonly mean: Range;
  /** Per-image standard deviation of the pixel values: 1st to 99th percentile. */
  readonly std: Range;
  /** Present when at least POLARITY_AGREEMENT of the images have a border darker than DARK (or lighter than LIGHT). */
  readonly polarity?: Polarity;
}

/** Border means below this are dark, above LIGHT light (pixel units). */
export const DARK = 0.25;
export const LIGHT = 0.75;
/** The share of images whose borders must agree for a data set to have a polarity. */
export const POLARITY_AGREEMENT = 0.9;
const LOW_PERCENTILE = 0.01;
const HIGH_PERCENTILE = 0.99;

/** The q-quantile of sorted values, by linear interpolation between the nearest ranks (numpy's default). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Mean, standard deviation and border mean of one h x w x c byte image. */
export function measureImage(bytes: ArrayLike<number>, h: number, w: number, c: number): { mean: number; std: number; border: number } {
  const n = h * w * c;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const v = bytes[i]! / 255;
    sum += v;
    squares += v * v;
  }
  const mean = sum / n;
  let border = 0;
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y !== 0 && y !== h - 1 && x !== 0 && x !== w - 1) continue;
      for (let k = 0; k < c; k++) border += bytes[(y * w + x) * c + k]! / 255;
      count += c;
    }
  }
  return { mean, std: Math.sqrt(Math.max(0, squares / n - mean * mean)), border: border / count };
}

/** The statistics of `split`'s images, of shape [h, w, c]. */
export function imageStatistics(split: Split, shape: readonly [number, number, number]): ImageStatistics {
  const [h, w, c] = shape;
  const size = h * w * c;
  const means = new Float64Array(split.count);
  const stds = new Float64Array(split.count);
  let dark = 0;
  let light = 0;
  for (let i = 0; i < split.count; i++) {
    const m = measureImage(split.images.subarray(i * size, (i + 1) * size), h, w, c);
    means[i] = m.mean;
    stds[i] = m.std;
    if (m.border < DARK) dark++;
    else if (m.border > LIGHT) light++;
  }
  means.sort();
  stds.sort();
  const range = (sorted: Float64Array): Range => ({ low: quantile(sorted, LOW_PERCENTILE), high: quantile(sorted, HIGH_PERCENTILE) });
  const agree = POLARITY_AGREEMENT * split.count;
  const polarity: Polarity | undefined = split.count > 0 && dark >= agree ? 'dark-background' : split.count > 0 && light >= agree ? 'light-background' : undefined;
  return {
    images: split.count,
    coverage: HIGH_PERCENTILE - LOW_PERCENTILE,
    mean: range(means),
    std: range(stds),
    ...(polarity ? { polarity } : {}),
  };
}
