/**
 * A seeded synthetic task that needs no files: each image is noise plus one
 * bright Gaussian blob, and the class is which cell of a g x g grid
 * (g = ceil(sqrt(classes))) holds the blob's centre. With 4 classes that is
 * "which quadrant". The blob centre jitters within the middle half of its
 * cell, so the task needs spatial features but a tiny CNN learns it to high
 * accuracy in seconds, and the attention map has an obvious right answer.
 */
import { Random } from '../../support/random.js';
import type { LoadedSplit } from './dataset.js';

export const SYNTHETIC_DEFAULT_SHAPE: readonly [number, number, number] = [12, 12, 1];
export const SYNTHETIC_DEFAULT_CLASSES = 4;

const NOISE = 60;
const BLOB = 190;

export function generateSynthetic(
  rng: Random,
  count: number,
  shape: readonly [number, number, number],
  classes: number,
  source: string,
): LoadedSplit {
  const [h, w, c] = shape;
  const grid = Math.ceil(Math.sqrt(classes));
  const cellH = h / grid;
  const cellW = w / grid;
  const sigma = Math.max(0.8, Math.min(cellH, cellW) / 4);
  const inv2s2 = 1 / (2 * sigma * sigma);
  const size = h * w * c;
  const images = new Uint8Array(count * size);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = rng.int(classes);
    labels[n] = label;
    const cy = (Math.floor(label / grid) + 0.5 + rng.uniform(-0.25, 0.25)) * cellH - 0.5;
    const cx = ((label % grid) + 0.5 + rng.uniform(-0.25, 0.25)) * cellW - 0.5;
    let o = n * size;
    for (let y = 0; y < h; y++) {
      const dy2 = (y - cy) * (y - cy);
      for (let x = 0; x < w; x++) {
        const blob = BLOB * Math.exp(-(dy2 + (x - cx) * (x - cx)) * inv2s2);
        for (let k = 0; k < c; k++) {
          const v = blob + NOISE * rng.next();
          images[o++] = v > 255 ? 255 : Math.round(v);
        }
      }
    }
  }
  return { images, labels, count, shape: [h, w, c], source };
}
