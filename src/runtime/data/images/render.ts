/**
 * One example's input from its stored image and its view (views.ts): the
 * view's rectangle, resized to the input size when it is not that size
 * (random resized crops: PIL's antialiased bilinear, resize.ts, rounded to
 * bytes as torchvision's PIL path does), mirrored when the view says so, and
 * normalised through the byte -> float table, written NHWC into `out`.
 *
 * A rectangle that reaches past the image (random crops with padding) reads
 * padding there: zeros (torchvision's constant fill), or the image mirrored
 * without repeating the edge (mode reflect), as augment.ts does for images
 * stored at the input size.
 */
import { axisSources } from '../augment.js';
import { resizeBilinear, type ByteImage } from '../resize.js';
import type { View } from './views.js';

/** Writes the example into out[offset .. offset + h*w*c). */
export function renderView(
  image: ByteImage,
  view: View,
  input: readonly [number, number, number],
  mode: 'reflect' | 'zero',
  table: Float32Array,
  out: Float32Array,
  offset: number,
): void {
  const [h, w, c] = input;
  if (view.height === h && view.width === w) {
    const rows = axisSources(new Int32Array(h), image.height, view.top, mode, false);
    const cols = axisSources(new Int32Array(w), image.width, view.left, mode, view.flip);
    copyThrough(image.data, image.width, c, rows, cols, table, out, offset);
    return;
  }
  const region = cropInside(image, view);
  const resized = resizeBilinear(region, w, h);
  const rows = axisSources(new Int32Array(h), h, 0, mode, false);
  const cols = axisSources(new Int32Array(w), w, 0, mode, view.flip);
  copyThrough(resized.data, w, c, rows, cols, table, out, offset);
}

/** The view's rectangle as an image of its own; it must lie inside the image (random resized crops always do). */
function cropInside(image: ByteImage, view: View): ByteImage {
  const { top, left, height, width } = view;
  if (top < 0 || left < 0 || top + height > image.height || left + width > image.width) {
    throw new Error(`renderView: a resized view ${width}x${height} at (${left}, ${top}) reaches outside its ${image.width}x${image.height} image`);
  }
  const c = image.channels;
  const data = new Uint8Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * c;
    data.set(image.data.subarray(from, from + width * c), y * width * c);
  }
  return { width, height, channels: c, data };
}

function copyThrough(src: Uint8Array, srcWidth: number, c: number, rows: Int32Array, cols: Int32Array, table: Float32Array, out: Float32Array, offset: number): void {
  let o = offset;
  const rowStride = srcWidth * c;
  const w = cols.length;
  for (let y = 0; y < rows.length; y++) {
    const sy = rows[y]!;
    if (sy < 0) {
      // Padding: byte 0 of each channel, normalised.
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[o++] = table[k]!;
      continue;
    }
    const base = sy * rowStride;
    if (c === 3) {
      for (let x = 0; x < w; x++) {
        const sx = cols[x]!;
        if (sx < 0) {
          out[o++] = table[0]!;
          out[o++] = table[1]!;
          out[o++] = table[2]!;
        } else {
          const p = base + sx * 3;
          out[o++] = table[src[p]! * 3]!;
          out[o++] = table[src[p + 1]! * 3 + 1]!;
          out[o++] = table[src[p + 2]! * 3 + 2]!;
        }
      }
      continue;
    }
    for (let x = 0; x < w; x++) {
      const sx = cols[x]!;
      if (sx < 0) {
        for (let k = 0; k < c; k++) out[o++] = table[k]!;
      } else {
        const p = base + sx * c;
        for (let k = 0; k < c; k++) out[o++] = table[src[p + k]! * c + k]!;
      }
    }
  }
}
