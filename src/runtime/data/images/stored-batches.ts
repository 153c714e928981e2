/**
 * Batches of a folder split, made on the data workers ahead of the consumer:
 * the main thread picks each batch's examples and views (cheap), the pool
 * renders them (crop, resize, flip, normalise), and up to `depth` batches are
 * in flight while the consumer trains on the current one, so a training step
 * waits for data only when the workers cannot keep up.
 *
 * Training (per epoch e, run seed s): the order is a permutation from
 * epochRandom(s, e, 'order'); example i's view from
 * exampleRandom(epochRandom(s, e, 'augment'), i), whatever batch it lands in.
 * Evaluation: examples in order, centre crops.
 */
import type { AugmentSpec } from '../../../compiler/spec/resolved-spec.js';
import type { StoredSplit } from '../dataset.js';
import type { Batch } from '../batches.js';
import { VIEW_FIELDS, type BatchRequest } from './protocol.js';
import { normalizeTable, type Normalize } from '../normalize.js';
import { entryOf } from './store.js';
import { centreView, epochRandom, exampleRandom, trainingView, type TrainCrop, type View } from './views.js';

/** Bytes of rendered batches allowed in flight (besides the one being consumed). */
const IN_FLIGHT_BYTES = 256 * 1024 * 1024;

/** How many batches are made ahead of the consumer: two per worker, fewer when they are large, at least two. */
export function batchesInFlight(workers: number, batchBytes: number): number {
  return Math.max(2, Math.min(workers * 2, Math.floor(IN_FLIGHT_BYTES / batchBytes)));
}

/** The training crop an augment section asks for. */
export function trainCropOf(augment: AugmentSpec): TrainCrop {
  if (augment.randomResizedCrop) {
    const { scale, ratio } = augment.randomResizedCrop;
    return { kind: 'resized', scale: [scale[0]!, scale[1]!], ratio: [ratio[0]!, ratio[1]!] };
  }
  if (augment.crop) return { kind: 'random', padding: augment.crop.padding };
  return { kind: 'centre' };
}

export function storedTrainingBatches(
  split: StoredSplit,
  options: {
    readonly batchSize: number;
    readonly epoch: number;
    readonly seed: number;
    readonly augment: AugmentSpec;
    readonly normalize: Normalize;
    readonly input: readonly [number, number, number];
  },
): AsyncIterable<Batch> {
  const { input, augment } = options;
  const crop = trainCropOf(augment);
  const flip = augment.flip === 'horizontal';
  return {
    [Symbol.asyncIterator]: () => {
      const order = epochRandom(options.seed, options.epoch, 'order').permutation(split.count);
      const streams = epochRandom(options.seed, options.epoch, 'augment');
      return pipelined(
        split,
        options.batchSize,
        (k) => order[k]!,
        (example, stored) => trainingView(exampleRandom(streams, example), stored, [input[0], input[1]], crop, flip),
        { input, mode: augment.crop?.mode ?? 'zero', table: normalizeTable(options.normalize, input[2]) },
        false,
      );
    },
  };
}

export function storedEvaluationBatches(
  split: StoredSplit,
  options: { readonly batchSize: number; readonly normalize: Normalize; readonly input: readonly [number, number, number] },
): AsyncIterable<Batch> {
  const { input } = options;
  const render = { input, mode: 'zero' as const, table: normalizeTable(options.normalize, input[2]) };
  return { [Symbol.asyncIterator]: () => pipelined(split, options.batchSize, (k) => k, (_, stored) => centreView(stored, [input[0], input[1]]), render, true) };
}

interface Issued {
  readonly images: Promise<Float32Array>;
  readonly labels: Int32Array;
  readonly boxes?: Float32Array;
}

async function* pipelined(
  split: StoredSplit,
  batchSize: number,
  exampleAt: (position: number) => number,
  viewOf: (example: number, stored: { readonly width: number; readonly height: number }) => View,
  /** Size, padding mode and normalisation of every example. */
  render: Omit<BatchRequest, 'images' | 'views'>,
  /** Evaluation batches carry the examples' object boxes (they are in the evaluation view's pixels). */
  withBoxes: boolean,
): AsyncGenerator<Batch> {
  if (!(batchSize >= 1) || !Number.isInteger(batchSize)) throw new Error(`storedBatches: batch size must be a positive integer, got ${batchSize}`);
  const { set } = split;
  const total = split.count;
  const batches = Math.ceil(total / batchSize);
  const [h, w, c] = render.input;
  const depth = batchesInFlight(set.pool.size, batchSize * h * w * c * 4);
  const queue: Issued[] = [];
  const issue = (b: number): void => {
    const start = b * batchSize;
    const n = Math.min(batchSize, total - start);
    const images = new Int32Array(n);
    const views = new Int32Array(n * VIEW_FIELDS);
    const labels = new Int32Array(n);
    const boxes = withBoxes && split.boxes ? new Float32Array(n * 4) : undefined;
    for (let i = 0; i < n; i++) {
      const example = exampleAt(start + i);
      const item = split.items[example]!;
      const view = viewOf(example, entryOf(set.store, item));
      images[i] = item;
      views.set([view.top, view.left, view.height, view.width, view.flip ? 1 : 0], i * VIEW_FIELDS);
      labels[i] = split.labels[example]!;
      if (boxes && split.boxes) boxes.set(split.boxes.subarray(example * 4, example * 4 + 4), i * 4);
    }
    const rendered = set.pool.batch(set.feed, { images, views, ...render });
    rendered.catch(() => {}); // awaited in order below; this only marks an early rejection as handled
    queue.push({ images: rendered, labels, ...(boxes ? { boxes } : {}) });
  };
  let issued = 0;
  try {
    for (let b = 0; b < batches; b++) {
      while (issued < batches && issued < b + depth) issue(issued++);
      const next = queue.shift();
      if (!next) throw new Error('storedBatches: the queue ran dry');
      const images = await next.images;
      yield { images, labels: next.labels, count: next.labels.length, ...(next.boxes ? { boxes: next.boxes } : {}) };
    }
  } finally {
    // Stopped early (an error, a break): let the batches still being made finish before the pool is reused or closed.
    await Promise.allSettled(queue.map((q) => q.images));
  }
}
