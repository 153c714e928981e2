/**
 * Batches of normalised float images from a split.
 *
 * With an `rng` (training), the epoch's order is `rng.permutation(count)`,
 * drawn when iteration starts, and each example's augmentation is drawn from
 * the same generator as its batch is built (see augment.ts for the order), so
 * an epoch is reproduced exactly by passing a generator in the same state.
 * Without one (evaluation), examples come in order and are not augmented.
 * The last, partial batch is included. `skipBatches` starts at a later batch
 * of the same epoch (a run resumed mid-epoch): the skipped examples'
 * augmentation is still drawn, so the generator ends where it would have.
 *
 * Each batch owns fresh arrays, so a consumer may keep them; except with
 * `imagesMemory` 'reused', where every batch's images are written into one array
 * (the last, partial batch into the front of it), valid until the consumer
 * asks for the next batch. That is for a consumer done with each batch before
 * it asks for the next (evaluation): it then touches no fresh memory per batch,
 * where a fresh 1.5 MB array per evaluation batch of 500 Fashion-MNIST images
 * cost up to 384 page faults (on a virtual machine, ~13 us each).
 */
export type BatchImages = 'fresh' | 'reused';

import type { AugmentSpec } from '../../compiler/spec/resolved-spec.js';
import type { Random } from '../../support/random.js';
import type { Split } from './dataset.js';
import { axisSources, checkAugment, drawTransform, IDENTITY_TRANSFORM, type ExampleTransform } from './augment.js';
import { normalizeTable, type Normalize } from './normalize.js';

export interface Batch {
  /** count * h * w * c floats, NHWC, normalised. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  /** Evaluation batches of splits with object boxes: count * 4 values [y0, x0, y1, x1] in input pixels (Split.boxes). */
  readonly boxes?: Float32Array;
}

export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

export function makeBatches(
  split: Split,
  batchSize: number,
  rng: Random | undefined,
  augment: AugmentSpec | undefined,
  normalize: Normalize,
  inputShape: readonly [number, number, number],
  skipBatches = 0,
  imagesMemory: BatchImages = 'fresh',
): Iterable<Batch> {
  if (!(batchSize >= 1) || !Number.isInteger(batchSize)) throw new Error(`makeBatches: batch size must be a positive integer, got ${batchSize}`);
  if (augment && !rng && (augment.crop || augment.flip !== 'none')) {
    throw new Error('makeBatches: augmentation needs a Random (pass undefined augment for evaluation)');
  }
  const [h, w, c] = inputShape;
  const size = h * w * c;
  if (split.images.length < split.count * size) {
    throw new Error(`makeBatches: split holds ${split.images.length} bytes, fewer than ${split.count} images of ${h}x${w}x${c}`);
  }
  checkAugment(augment, h, w);
  const table = normalizeTable(normalize, c);
  const mode = augment?.crop?.mode ?? 'zero';
  const augmenting = rng !== undefined && augment !== undefined && (augment.crop !== undefined || augment.flip !== 'none');
  return {
    *[Symbol.iterator](): Iterator<Batch> {
      const order = rng ? rng.permutation(split.count) : undefined;
      const rows = new Int32Array(h);
      const cols = new Int32Array(w);
      const pad = new Float32Array(c);
      for (let k = 0; k < c; k++) pad[k] = table[k]!; // byte 0 of channel k
      const first = Math.min(split.count, skipBatches * batchSize);
      if (augmenting) for (let i = 0; i < first; i++) drawTransform(rng, augment);
      const shared = imagesMemory === 'reused' ? new Float32Array(Math.min(batchSize, split.count) * size) : undefined;
      for (let start = first; start < split.count; start += batchSize) {
        const n = Math.min(batchSize, split.count - start);
        const images = shared ? shared.subarray(0, n * size) : new Float32Array(n * size);
        const labels = new Int32Array(n);
        for (let b = 0; b < n; b++) {
          const index = order ? order[start + b]! : start + b;
          labels[b] = split.labels[index]!;
          const t: ExampleTransform = augmenting ? drawTransform(rng, augment) : IDENTITY_TRANSFORM;
          if (t === IDENTITY_TRANSFORM || (t.dy === 0 && t.dx === 0 && !t.flip)) {
            copyPlain(split.images, index * size, images, b * size, size, c, table);
          } else {
            axisSources(rows, h, t.dy, mode, false);
            axisSources(cols, w, t.dx, mode, t.flip);
            copyThrough(split.images, index * size, images, b * size, rows, cols, w, c, table, pad);
          }
        }
        // Evaluation batches (in order) carry their object boxes; augmented ones would not match them.
        const boxes = !order && split.boxes ? split.boxes.slice(start * 4, (start + n) * 4) : undefined;
        yield { images, labels, count: n, ...(boxes ? { boxes } : {}) };
      }
    },
  };
}

function copyPlain(src: Uint8Array, from: number, dst: Float32Array, to: number, size: number, c: number, table: Float32Array): void {
  if (c === 1) {
    for (let i = 0; i < size; i++) dst[to + i] = table[src[from + i]!]!;
    return;
  }
  for (let i = 0; i < size; i += c) {
    for (let k = 0; k < c; k++) dst[to + i + k] = table[src[from + i + k]! * c + k]!;
  }
}

function copyThrough(
  src: Uint8Array,
  from: number,
  dst: Float32Array,
  to: number,
  rows: Int32Array,
  cols: Int32Array,
  w: number,
  c: number,
  table: Float32Array,
  pad: Float32Array,
): void {
  let o = to;
  const rowStride = w * c;
  for (let y = 0; y < rows.length; y++) {
    const sy = rows[y]!;
    if (sy < 0) {
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) dst[o++] = pad[k]!;
      continue;
    }
    const rowBase = from + sy * rowStride;
    for (let x = 0; x < w; x++) {
      const sx = cols[x]!;
      if (sx < 0) {
        for (let k = 0; k < c; k++) dst[o++] = pad[k]!;
      } else {
        const p = rowBase + sx * c;
        for (let k = 0; k < c; k++) dst[o++] = table[src[p + k]! * c + k]!;
      }
    }
  }
}
