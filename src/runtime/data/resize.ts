/**
 * Resizing and centre cropping of interleaved byte images, for the folder
 * reader. The resize is bilinear (a triangle filter) with pixel centres
 * aligned, and when shrinking the filter widens with the scale factor, so
 * every source pixel contributes (anti-aliasing). This is the "bilinear"
 * resize of PIL, which torchvision's Resize uses on images, so photographs
 * come out as the reference's data pipeline saw them.
 */

export interface ByteImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** height * width * channels bytes, row-major, interleaved. */
  readonly data: Uint8Array;
}

/** For one axis: each output index's first source index, tap count, and normalised weights (`taps` per output). */
interface AxisFilter {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly taps: number;
  readonly weights: Float64Array;
}

function axisFilter(outSize: number, inSize: number): AxisFilter {
  const scale = inSize / outSize;
  const stretch = Math.max(scale, 1);
  const support = stretch; // the triangle's radius is 1 source pixel, widened when shrinking
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(inSize, Math.floor(centre + support + 0.5));
    let total = 0;
    let n = 0;
    for (let i = lo; i < hi && n < taps; i++, n++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / stretch));
      weights[o * taps + n] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < n; k++) weights[o * taps + k]! /= total;
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, taps, weights };
}

export function resizeBilinear(image: ByteImage, width: number, height: number): ByteImage {
  if (width === image.width && height === image.height) return image;
  const c = image.channels;
  const src = image.data;
  const fx = axisFilter(width, image.width);
  const fy = axisFilter(height, image.height);
  // Horizontal pass into floats (height of the source, width of the output), then vertical.
  const tmp = new Float32Array(image.height * width * c);
  for (let y = 0; y < image.height; y++) {
    const row = y * image.width * c;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * c;
      const base = fx.first[x]!;
      const n = fx.count[x]!;
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += fx.weights[x * fx.taps + t]! * src[row + (base + t) * c + k]!;
        tmp[o + k] = s;
      }
    }
  }
  const out = new Uint8Array(width * height * c);
  const stride = width * c;
  for (let y = 0; y < height; y++) {
    const base = fy.first[y]!;
    const n = fy.count[y]!;
    for (let i = 0; i < stride; i++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += fy.weights[y * fy.taps + t]! * tmp[(base + t) * stride + i]!;
      const v = Math.round(s);
      out[y * stride + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, channels: c, data: out };
}

/** The centred width x height window (the image must be at least that large). */
export function centreCrop(image: ByteImage, width: number, height: number): ByteImage {
  if (width === image.width && height === image.height) return image;
  const c = image.channels;
  const left = Math.floor((image.width - width) / 2);
  const top = Math.floor((image.height - height) / 2);
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * c;
    out.set(image.data.subarray(from, from + width * c), y * width * c);
  }
  return { width, height, channels: c, data: out };
}

/** Size after scaling so that the shorter side becomes `shorter` (aspect ratio kept, rounded). */
export function shorterSideSize(width: number, height: number, shorter: number): { width: number; height: number } {
  const scale = shorter / Math.min(width, height);
  return width <= height
    ? { width: shorter, height: Math.round(height * scale) }
    : { width: Math.round(width * scale), height: shorter };
}
