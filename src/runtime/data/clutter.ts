/**
 * Cluttered, translated images (in the spirit of the cluttered MNIST used to
 * evaluate spatial transformer networks): each source image (e.g. a 28x28
 * Fashion-MNIST item) is placed at a random position on a larger black canvas,
 * and `pieces` square patches of `pieceSize` pixels, cut at random from other
 * images of the same split, are scattered over the canvas first. Pixels combine
 * by maximum, so clutter and object never erase each other.
 *
 * Everything is drawn from `Random.fromSeed(seed).derive('clutter-' + split)`,
 * one example after another, so a given seed, split and source give the same
 * canvases on every machine. The clutter seed is its own setting (not
 * train.seed), so runs with different training seeds see the same task.
 *
 * The object box of each example is the tight box of the item's non-zero
 * pixels, moved to where the item was placed: [y0, x0, y1, x1] in canvas
 * pixels, half-open (the box covers rows y0..y1-1). Clutter inside the box is
 * part of the image but not of the object.
 */
import { Random } from '../../support/random.js';
import type { LoadedSplit } from './dataset.js';

export interface ClutterSettings {
  /** Side of the square canvas, at least the source image's size. */
  readonly canvas: number;
  /** Clutter patches per example. */
  readonly pieces: number;
  /** Side of each square clutter patch, at most the source image's size. */
  readonly pieceSize: number;
  /** Seeds the placement and the clutter. */
  readonly seed: number;
}

/** The tight box [y0, x0, y1, x1) of the non-zero pixels of one h x w x c image; the whole image when all are zero. */
export function tightBox(pixels: Uint8Array, h: number, w: number, c: number): [number, number, number, number] {
  let y0 = h;
  let x0 = w;
  let y1 = 0;
  let x1 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let on = false;
      for (let k = 0; k < c; k++) if (pixels[(y * w + x) * c + k]! > 0) on = true;
      if (!on) continue;
      if (y < y0) y0 = y;
      if (x < x0) x0 = x;
      if (y + 1 > y1) y1 = y + 1;
      if (x + 1 > x1) x1 = x + 1;
    }
  }
  return y1 === 0 ? [0, 0, h, w] : [y0, x0, y1, x1];
}

/**
 * Places every image of `source` on a cluttered canvas. `split` names the
 * random stream ('train' or 'test'). Returns the new split with its boxes.
 * The caller checks the settings against the source shape (see clutterProblem).
 */
export function clutterSplit(source: LoadedSplit, settings: ClutterSettings, split: string): LoadedSplit {
  const [h, w, c] = source.shape;
  const { canvas, pieces, pieceSize } = settings;
  const rng = Random.fromSeed(settings.seed).derive(`clutter-${split}`);
  const inSize = h * w * c;
  const outSize = canvas * canvas * c;
  const images = new Uint8Array(source.count * outSize);
  const boxes = new Float32Array(source.count * 4);
  const paste = (out: number, from: number, fy: number, fx: number, ph: number, pw: number, ty: number, tx: number): void => {
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        for (let k = 0; k < c; k++) {
          const v = source.images[from + ((fy + y) * w + fx + x) * c + k]!;
          const o = out + ((ty + y) * canvas + tx + x) * c + k;
          if (v > images[o]!) images[o] = v;
        }
      }
    }
  };
  for (let n = 0; n < source.count; n++) {
    const out = n * outSize;
    const oy = rng.int(canvas - h + 1);
    const ox = rng.int(canvas - w + 1);
    for (let p = 0; p < pieces; p++) {
      // Another image of the split (never the example itself when there is another).
      let other = rng.int(Math.max(1, source.count - 1));
      if (source.count > 1 && other >= n) other++;
      const fy = rng.int(h - pieceSize + 1);
      const fx = rng.int(w - pieceSize + 1);
      const ty = rng.int(canvas - pieceSize + 1);
      const tx = rng.int(canvas - pieceSize + 1);
      paste(out, other * inSize, fy, fx, pieceSize, pieceSize, ty, tx);
    }
    paste(out, n * inSize, 0, 0, h, w, oy, ox);
    const [y0, x0, y1, x1] = tightBox(source.images.subarray(n * inSize, (n + 1) * inSize), h, w, c);
    boxes.set([oy + y0, ox + x0, oy + y1, ox + x1], n * 4);
  }
  return { images, labels: source.labels, count: source.count, shape: [canvas, canvas, c], source: source.source, boxes };
}

/** Why these settings cannot clutter images of `shape`, or undefined when they can. */
export function clutterProblem(settings: ClutterSettings, shape: readonly [number, number, number]): string | undefined {
  const [h, w] = shape;
  if (settings.canvas < Math.max(h, w)) return `the canvas (${settings.canvas}) is smaller than the images (${h}x${w})`;
  if (settings.pieceSize > Math.min(h, w)) return `clutter pieces of ${settings.pieceSize} pixels do not fit in the ${h}x${w} images they are cut from`;
  return undefined;
}
