/**
 * Attention maps prepared for people, following the reference code
 * (docs/method.md, section 9, "Attention maps for people"):
 *
 * continuous: subtract the minimum, scale to 0-255, Gaussian blur 7x7,
 *   bicubic resize to the input size, rescale so the maximum is 255;
 * quantized: nearest-neighbour resize to the input size, times 255.
 *
 * The blur uses the fixed 7-tap kernel OpenCV's GaussianBlur uses for a 7x7
 * window with sigma 0 ([1, 3.5, 7, 9, 7, 3.5, 1] / 32) and mirrored borders
 * without repeating the edge (OpenCV's default BORDER_REFLECT_101). The
 * bicubic resize is OpenCV's INTER_CUBIC (a = -0.75, pixel centres aligned,
 * edge pixels repeated). Values stay floating point throughout; a bicubic
 * overshoot below 0 is clipped before the final rescale. A constant map
 * (nothing attended more than anything else) becomes all zeros, never NaN.
 */
import { nearestSourceIndices } from '../../../compiler/ir/index-maps.js';

export const BLUR_KERNEL_7: readonly number[] = [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125];

/** Subtract the minimum, then scale so the maximum is 255 (all zeros when the map is constant). */
export function minMaxTo255(map: Float32Array): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float32Array(map.length);
  const range = max - min;
  if (!(range > 0) || !Number.isFinite(range)) return out;
  for (let i = 0; i < map.length; i++) out[i] = ((map[i]! - min) / range) * 255;
  return out;
}

/** Index i mirrored into 0..n-1 without repeating the edge (reflect-101); n = 1 maps everything to 0. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Separable 7x7 Gaussian blur of an h x w map. */
export function gaussianBlur7(map: Float32Array, h: number, w: number): Float32Array {
  const k = BLUR_KERNEL_7;
  const tmp = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = 0; t < 7; t++) s += k[t]! * map[y * w + reflect101(x + t - 3, w)]!;
      tmp[y * w + x] = s;
    }
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = 0; t < 7; t++) s += k[t]! * tmp[reflect101(y + t - 3, h) * w + x]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

function cubicWeights(t: number, out: Float64Array): void {
  const a = -0.75;
  const w = (x: number): number => {
    const ax = Math.abs(x);
    if (ax <= 1) return (a + 2) * ax * ax * ax - (a + 3) * ax * ax + 1;
    if (ax < 2) return a * ax * ax * ax - 5 * a * ax * ax + 8 * a * ax - 4 * a;
    return 0;
  };
  out[0] = w(1 + t);
  out[1] = w(t);
  out[2] = w(1 - t);
  out[3] = w(2 - t);
}

/** One axis of a bicubic resize: for each output index, the 4 source indices (clamped) and weights. */
function cubicTable(outSize: number, inSize: number): { index: Int32Array; weight: Float64Array } {
  const index = new Int32Array(4 * outSize);
  const weight = new Float64Array(4 * outSize);
  const scale = inSize / outSize;
  const w = new Float64Array(4);
  for (let o = 0; o < outSize; o++) {
    const s = (o + 0.5) * scale - 0.5;
    const f = Math.floor(s);
    cubicWeights(s - f, w);
    for (let t = 0; t < 4; t++) {
      index[4 * o + t] = Math.min(inSize - 1, Math.max(0, f - 1 + t));
      weight[4 * o + t] = w[t]!;
    }
  }
  return { index, weight };
}

export function resizeBicubic(map: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  const xs = cubicTable(outW, w);
  const ys = cubicTable(outH, h);
  const tmp = new Float32Array(h * outW);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let t = 0; t < 4; t++) s += xs.weight[4 * x + t]! * map[y * w + xs.index[4 * x + t]!]!;
      tmp[y * outW + x] = s;
    }
  }
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let t = 0; t < 4; t++) s += ys.weight[4 * y + t]! * tmp[ys.index[4 * y + t]! * outW + x]!;
      out[y * outW + x] = s;
    }
  }
  return out;
}

/** Nearest-neighbour resize: the IR's ResizeNearest indices (index-maps.ts), which are OpenCV's INTER_NEAREST. */
export function resizeNearest(map: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(outH * outW);
  const rowsFrom = nearestSourceIndices(h, outH);
  const colsFrom = nearestSourceIndices(w, outW);
  for (let y = 0; y < outH; y++) {
    const row = rowsFrom[y]! * w;
    for (let x = 0; x < outW; x++) out[y * outW + x] = map[row + colsFrom[x]!]!;
  }
  return out;
}

/** The continuous map at the input size, values 0..255 with maximum 255 (or all 0). */
export function continuousMap(attention: Float32Array, mapShape: readonly [number, number], outH: number, outW: number): Float32Array {
  const [mh, mw] = mapShape;
  const blurred = gaussianBlur7(minMaxTo255(attention), mh, mw);
  const resized = resizeBicubic(blurred, mh, mw, outH, outW);
  for (let i = 0; i < resized.length; i++) if (!(resized[i]! > 0)) resized[i] = 0;
  let max = 0;
  for (let i = 0; i < resized.length; i++) if (resized[i]! > max) max = resized[i]!;
  if (max > 0) for (let i = 0; i < resized.length; i++) resized[i] = (resized[i]! / max) * 255;
  return resized;
}

/** The quantized map at the input size: nearest resize, times 255, clipped to 0..255. */
export function quantizedMap(attention: Float32Array, mapShape: readonly [number, number], outH: number, outW: number): Float32Array {
  const out = resizeNearest(attention, mapShape[0], mapShape[1], outH, outW);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]! * 255;
    out[i] = v > 255 ? 255 : v > 0 ? v : 0;
  }
  return out;
}
