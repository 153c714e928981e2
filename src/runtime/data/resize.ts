/**
 * Bilinear resizing and centre cropping of interleaved byte images, for the
 * folder reader. Pixel centres are aligned (align_corners = false, the
 * convention of PIL, OpenCV and TF2). There is no anti-aliasing: shrinking by
 * a large factor skips pixels, which is acceptable for resizing photographs to
 * a network's input but is why images far larger than the input lose detail.
 */

export interface ByteImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** height * width * channels bytes, row-major, interleaved. */
  readonly data: Uint8Array;
}

/** Source coordinate tables for one axis: for each output index, the two source indices and the weight of the second. */
function axisTable(outSize: number, inSize: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    let s = (o + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    if (s > inSize - 1) s = inSize - 1;
    const f = Math.floor(s);
    i0[o] = f;
    i1[o] = Math.min(f + 1, inSize - 1);
    w[o] = s - f;
  }
  return { i0, i1, w };
}

export function resizeBilinear(image: ByteImage, width: number, height: number): ByteImage {
  if (width === image.width && height === image.height) return image;
  const c = image.channels;
  const src = image.data;
  const xs = axisTable(width, image.width);
  const ys = axisTable(height, image.height);
  const out = new Uint8Array(width * height * c);
  const rowStride = image.width * c;
  for (let y = 0; y < height; y++) {
    const r0 = ys.i0[y]! * rowStride;
    const r1 = ys.i1[y]! * rowStride;
    const wy = ys.w[y]!;
    for (let x = 0; x < width; x++) {
      const c0 = xs.i0[x]! * c;
      const c1 = xs.i1[x]! * c;
      const wx = xs.w[x]!;
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const top = src[r0 + c0 + k]! * (1 - wx) + src[r0 + c1 + k]! * wx;
        const bottom = src[r1 + c0 + k]! * (1 - wx) + src[r1 + c1 + k]! * wx;
        out[o + k] = Math.round(top * (1 - wy) + bottom * wy);
      }
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
