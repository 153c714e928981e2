/**
 * What the data loaders produce. IDX, CIFAR and synthetic data: whole splits
 * held in memory as bytes at the input size, NHWC, one byte per channel
 * (`Split`). Image folders: each image stored once at its stored size
 * (images/store.ts) and cropped to the input size batch by batch on the data
 * workers (`StoredSplit`). Batching turns either into normalised floats
 * (batch-source.ts).
 */
import type { StoredSet } from './images/stored-set.js';
import { Random } from '../../support/random.js';
import { runError } from '../../support/errors.js';

export interface Split {
  /** count * h * w * c bytes, NHWC. */
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  /**
   * Where known, each example's object box in input pixels: count * 4 values
   * [y0, x0, y1, x1], half-open (rows y0..y1-1). From the cluttered option and
   * from CUB's bounding_boxes.txt.
   */
  readonly boxes?: Float32Array;
}

/**
 * Examples of a folder data set: each is an image of `set` (by its index
 * there), cropped per batch: the training crop drawn from (seed, epoch,
 * example index), or the centre crop for evaluation.
 */
export interface StoredSplit {
  readonly set: StoredSet;
  /** The stored image of each example. */
  readonly items: Int32Array;
  readonly labels: Int32Array;
  readonly count: number;
  /** Object boxes in the evaluation view (the centre crop), as Split.boxes. */
  readonly boxes?: Float32Array;
}

/** Either kind of split: the loop, evaluation and figures take both. */
export type DataSplit = Split | StoredSplit;

export function isStored(split: DataSplit): split is StoredSplit {
  return 'set' in split;
}

/** A file of a folder data set that could not be used, and why. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface Dataset<S extends DataSplit = DataSplit> {
  readonly train: S;
  /** Present when the spec's `validation` fraction is above 0. */
  readonly validation?: S;
  readonly test: S;
  /** Number of classes: the model's when given, else the data's (largest label + 1, or the format's fixed count). */
  readonly classes: number;
  /** [height, width, channels] of every image. */
  readonly shape: [number, number, number];
  /** Class names where the data has them (folder datasets: the subfolder names). */
  readonly classNames?: string[];
  /** Folder data with `bad_files skip`: the files left out. */
  readonly skipped?: readonly SkippedFile[];
  /** Folder data: the data workers let go of this data set's images (the workers stay for the next one). Unusable afterwards; safe to call twice. */
  close(): Promise<void>;
}

/** How folder data is decoded, cached and held (images/). */
export interface ImageLoadOptions {
  /** The image cache's folder, or 'off'; default: $IBC_CACHE_DIR, else $XDG_CACHE_HOME/ibc, else ~/.cache/ibc. */
  readonly cache?: string;
  /** Bytes of decoded images held in memory; larger data sets stream from the cache. Default: a quarter of this machine's memory. */
  readonly memoryBudget?: number;
  /** Data worker threads (default: the cores available, at most 8). */
  readonly workers?: number;
  /** Bytes per cache shard (default 64 MiB); small values let tests cover many shards. */
  readonly shardBytes?: number;
  /** Decoding and cache reading, as it goes (for a progress line with an ETA). */
  readonly onProgress?: (progress: DataProgress) => void;
  /** One-line notes: where the cache is, streaming, waiting for another writer. */
  readonly onNote?: (line: string) => void;
}

export interface DataProgress {
  /** "decoding training images", "reading cached test images". */
  readonly what: string;
  /** What `done` and `total` count. */
  readonly unit: 'images' | 'bytes';
  readonly done: number;
  readonly total: number;
  /** Since this phase started. */
  readonly seconds: number;
}

export interface LoadOptions {
  /** train.seed: seeds the validation split and synthetic data. */
  readonly seed: number;
  /** Keep only the first N training examples (after the validation split). */
  readonly limitTrain?: number;
  /** Keep only the first N validation examples. */
  readonly limitValidation?: number;
  /** Keep only the first N test examples. */
  readonly limitTest?: number;
  /** The model input [h, w, c]: folder images are resized to it, synthetic data is drawn at it, and file data must match it. */
  readonly input?: readonly [number, number, number];
  /** The model's class count: labels must be below it. */
  readonly classes?: number;
  /** Folder against which relative data paths are resolved (default: the current directory). */
  readonly baseDir?: string;
  /** Folder data: decoding, cache, memory. */
  readonly images?: ImageLoadOptions;
  /**
   * Only the test split will be used (eval, attention): folder data leaves its
   * training images undecoded and unread, so train and validation come back
   * empty; the other kinds, cheap to read, load as usual.
   */
  readonly testOnly?: boolean;
}

/** A split plus the file it came from, before the validation split is taken. */
export interface LoadedSplit extends Split {
  readonly shape: [number, number, number];
  /** For messages: the file or folder the examples came from. */
  readonly source: string;
  /** The file the images (and so their shape) come from, when it is not `source` (IDX: the images file; `source` is the labels file). */
  readonly imagesSource?: string;
}

/**
 * The validation split of n examples: a permutation from
 * `Random.fromSeed(seed).derive('validation-split')` holds out round(fraction * n)
 * of them (at least 1); both parts keep their order. Undefined when the
 * fraction is 0.
 */
export function validationIndices(n: number, fraction: number, seed: number): { train: Int32Array; validation: Int32Array } | undefined {
  if (!(fraction > 0)) return undefined;
  const held = Math.max(1, Math.round(fraction * n));
  if (held >= n) throw runError('dataValidationTooLarge', { fraction, count: n, left: n - held });
  const perm = Random.fromSeed(seed).derive('validation-split').permutation(n);
  return { train: perm.slice(held).sort(), validation: perm.slice(0, held).sort() };
}

/** Copies the examples at `indices` (in that order) into a new split. */
export function subset(split: Split, indices: ArrayLike<number>, exampleSize: number): Split {
  const n = indices.length;
  const images = new Uint8Array(n * exampleSize);
  const labels = new Int32Array(n);
  const boxes = split.boxes ? new Float32Array(n * 4) : undefined;
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    images.set(split.images.subarray(j * exampleSize, (j + 1) * exampleSize), i * exampleSize);
    labels[i] = split.labels[j]!;
    if (boxes) boxes.set(split.boxes!.subarray(j * 4, j * 4 + 4), i * 4);
  }
  return { images, labels, count: n, ...(boxes ? { boxes } : {}) };
}

/**
 * Splits `split` into its examples at `train` and at `validation` (each
 * ascending, together every index once), the training part in the split's
 * own memory: the validation examples are copied out, then the training
 * examples moved down in place, a run of neighbours at a time. The caller
 * gives `split` up. A fresh copy of the training part would touch new memory
 * page by page (on a virtual machine a fault per 4 KiB page: about 0.15 s for
 * Fashion-MNIST's 42 MB); the moves touch only memory already in use.
 */
export function partitionInPlace(split: Split, train: Int32Array, validation: Int32Array, exampleSize: number): [Split, Split] {
  const held = subset(split, validation, exampleSize);
  const { images, labels, boxes } = split;
  let to = 0;
  for (let i = 0; i < train.length; ) {
    const from = train[i]!;
    // Only [0, to) has been written: ascending indices are never below it, so every example is read before it is overwritten.
    if (from < to) throw new Error(`partitionInPlace: training index ${from} at position ${to} was already overwritten (the indices must ascend)`);
    let run = 1;
    while (i + run < train.length && train[i + run] === from + run) run++;
    if (from !== to) {
      images.copyWithin(to * exampleSize, from * exampleSize, (from + run) * exampleSize);
      labels.copyWithin(to, from, from + run);
      boxes?.copyWithin(to * 4, from * 4, (from + run) * 4);
    }
    to += run;
    i += run;
  }
  const n = train.length;
  const kept: Split = { images: images.subarray(0, n * exampleSize), labels: labels.subarray(0, n), count: n, ...(boxes ? { boxes: boxes.subarray(0, n * 4) } : {}) };
  return [kept, held];
}

/** The first `limit` examples (views, no copy), or the split itself when no limit applies. */
export function firstN(split: Split, limit: number | undefined, exampleSize: number): Split {
  if (limit === undefined || limit >= split.count) return split;
  const n = Math.max(0, Math.floor(limit));
  return {
    images: split.images.subarray(0, n * exampleSize),
    labels: split.labels.subarray(0, n),
    count: n,
    ...(split.boxes ? { boxes: split.boxes.subarray(0, n * 4) } : {}),
  };
}

export function formatShape(shape: readonly number[]): string {
  return shape.join('x');
}
