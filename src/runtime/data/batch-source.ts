/**
 * Batches of any split, for the training loop, evaluation and figures: one
 * asynchronous iterator per pass, whatever the data's kind.
 *
 * - Data held at the input size (IDX, CIFAR, synthetic): `makeBatches` on
 *   this thread; a training epoch's order and augmentation come from the
 *   run's running 'shuffle' stream, as they always have (its state is in
 *   every checkpoint).
 * - Folder data: made on the data workers ahead of the consumer
 *   (images/stored-batches.ts); a training epoch's order and every example's
 *   crop and flip come from (seed, epoch, example index) alone, so the shuffle
 *   stream is not drawn from.
 */
import type { AugmentSpec } from '../../compiler/spec/resolved-spec.js';
import type { Random } from '../../support/random.js';
import { makeBatches, type Batch, type BatchImages } from './batches.js';
import { isStored, type DataSplit, type Split } from './dataset.js';
import { storedEvaluationBatches, storedTrainingBatches } from './images/stored-batches.js';
import { renderView } from './images/render.js';
import { StoreReader, entryOf } from './images/store.js';
import { centreView } from './images/views.js';
import type { Normalize } from './normalize.js';

export interface TrainingBatchOptions {
  readonly batchSize: number;
  /** 0-based epoch (folder data: seeds the order and the crops with `seed`). */
  readonly epoch: number;
  /** The run's seed (folder data). */
  readonly seed: number;
  /** The run's shuffle stream (data held at the input size: the order and augmentation are drawn from it). */
  readonly shuffle: Random;
  readonly augment: AugmentSpec;
  readonly normalize: Normalize;
  readonly input: readonly [number, number, number];
  /** Start after this many batches of the epoch (a run resumed inside it); the order and augmentation stay those of the whole epoch. */
  readonly skipBatches?: number;
}

export interface EvaluationBatchOptions {
  readonly batchSize: number;
  /** 'reused': every batch's images in one array, valid until the next batch is asked for (makeBatches); folder data's batches come fresh from the data workers either way. Default 'fresh'. */
  readonly images?: BatchImages;
  readonly normalize: Normalize;
  readonly input: readonly [number, number, number];
}

/** One training epoch's batches, shuffled and augmented. */
export function trainingBatches(split: DataSplit, options: TrainingBatchOptions): AsyncIterable<Batch> {
  const skip = options.skipBatches ?? 0;
  // Folder data: each example's view depends on (seed, epoch, example) alone, so the skipped batches are made and dropped.
  if (isStored(split)) return skip > 0 ? dropFirst(storedTrainingBatches(split, options), skip) : storedTrainingBatches(split, options);
  return fromSync(() => makeBatches(split, options.batchSize, options.shuffle, options.augment, options.normalize, options.input, skip));
}

/** Batches in split order, unaugmented (folder data: centre crops), with object boxes where the split has them. */
export function evaluationBatches(split: DataSplit, options: EvaluationBatchOptions): AsyncIterable<Batch> {
  if (isStored(split)) return storedEvaluationBatches(split, options);
  return fromSync(() => makeBatches(split, options.batchSize, undefined, undefined, options.normalize, options.input, 0, options.images));
}

/**
 * Examples [start, end) as the model sees them in evaluation, as bytes at the
 * input size (figures, the explorer page): a view of the split's memory, or
 * centre crops of stored images.
 */
export function evaluationImages(split: DataSplit, start: number, end: number, input: readonly [number, number, number]): Split {
  const from = Math.min(Math.max(0, start), split.count);
  const to = Math.min(split.count, Math.max(from, end));
  const [h, w, c] = input;
  const size = h * w * c;
  const boxes = split.boxes ? { boxes: split.boxes.subarray(from * 4, to * 4) } : {};
  if (!isStored(split)) {
    return { images: split.images.subarray(from * size, to * size), labels: split.labels.subarray(from, to), count: to - from, ...boxes };
  }
  const identity = new Float32Array(256 * c);
  for (let v = 0; v < 256; v++) for (let k = 0; k < c; k++) identity[v * c + k] = v;
  const floats = new Float32Array(size);
  const images = new Uint8Array((to - from) * size);
  const reader = new StoreReader(split.set.store);
  try {
    for (let i = from; i < to; i++) {
      const item = split.items[i]!;
      const view = centreView(entryOf(split.set.store, item), [h, w]);
      renderView(reader.image(item), view, input, 'zero', identity, floats, 0);
      images.set(floats, (i - from) * size);
    }
  } finally {
    reader.close();
  }
  return { images, labels: split.labels.slice(from, to), count: to - from, ...boxes };
}

function dropFirst<T>(items: AsyncIterable<T>, count: number): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      let seen = 0;
      for await (const item of items) if (seen++ >= count) yield item;
    },
  };
}

function fromSync<T>(make: () => Iterable<T>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* make();
    },
  };
}
