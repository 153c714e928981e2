/**
 * Top-1 / top-5 accuracy of a model on a split, with the spec's evaluation
 * sample count. With n > 0 samples the noise comes from a fixed evaluation
 * seed, so evaluating the same weights twice gives the same numbers and
 * evaluation never advances the training streams. Where the split has object
 * boxes, evaluateLocalization scores the attention maps against them
 * (localization.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { LocalizationTotals, localizeMap, type Localization, type ObjectBox } from './localization.js';

export interface Accuracy {
  readonly top1: number;
  readonly top5: number;
  readonly count: number;
}

/** One evaluation batch: normalised NHWC images and their labels. */
export interface EvalBatch {
  readonly images: tf.Tensor4D;
  readonly labels: Int32Array;
}

/**
 * Counts correct top-1 and top-k predictions of logits [B, classes] against labels.
 * Ties are broken toward the lower class index, as argmax does.
 */
export function countCorrect(logits: Float32Array, classes: number, labels: ArrayLike<number>, k = 5): { top1: number; topK: number } {
  let top1 = 0;
  let topK = 0;
  const kk = Math.min(k, classes);
  for (let b = 0; b < labels.length; b++) {
    const row = logits.subarray(b * classes, (b + 1) * classes);
    const label = labels[b]!;
    const target = row[label]!;
    // Rank of the true class: classes scoring higher, or equal with a lower index.
    let rank = 0;
    for (let c = 0; c < classes; c++) {
      const v = row[c]!;
      if (v > target || (v === target && c < label) || Number.isNaN(target)) rank++;
    }
    if (rank === 0) top1++;
    if (rank < kk) topK++;
  }
  return { top1, topK };
}

/**
 * Evaluates `predict` (a batch -> its logits [B, classes], read) over
 * `batches`, in order.
 */
export async function evaluateAccuracy<B extends { readonly labels: Int32Array }>(
  batches: Iterable<B> | AsyncIterable<B>,
  classes: number,
  predict: (batch: B) => Float32Array | Promise<Float32Array>,
): Promise<Accuracy> {
  let top1 = 0;
  let top5 = 0;
  let count = 0;
  for await (const batch of batches) {
    const c = countCorrect(await predict(batch), classes, batch.labels, 5);
    top1 += c.top1;
    top5 += c.topK;
    count += batch.labels.length;
  }
  return { top1: count ? top1 / count : 0, top5: count ? top5 / count : 0, count };
}

/** The attention maps of one batch, [B, mh, mw] row-major. */
export interface BatchMaps {
  readonly mapShape: readonly [number, number];
  readonly mean: Float32Array;
  readonly quantized?: Float32Array;
}

/**
 * Localization of the attention maps `maps` returns for `batches` against the
 * split's object boxes (batch order = split order). Undefined when the model
 * gives no maps.
 */
export async function evaluateLocalization(
  batches: Iterable<EvalBatch> | AsyncIterable<EvalBatch>,
  boxes: Float32Array,
  input: readonly [number, number],
  maps: (images: tf.Tensor4D) => Promise<BatchMaps | undefined>,
): Promise<Localization | undefined> {
  const continuous = new LocalizationTotals();
  let quantized: LocalizationTotals | undefined;
  let offset = 0;
  for await (const batch of batches) {
    const m = await maps(batch.images);
    if (!m) return undefined;
    const size = m.mapShape[0] * m.mapShape[1];
    for (let b = 0; b < batch.labels.length; b++) {
      const box = Array.from(boxes.subarray((offset + b) * 4, (offset + b) * 4 + 4)) as unknown as ObjectBox;
      continuous.add(localizeMap(m.mean.subarray(b * size, (b + 1) * size), m.mapShape, box, input));
      if (m.quantized) {
        quantized ??= new LocalizationTotals();
        quantized.add(localizeMap(m.quantized.subarray(b * size, (b + 1) * size), m.mapShape, box, input));
      }
    }
    offset += batch.labels.length;
  }
  return { continuous: continuous.summary(), ...(quantized ? { quantized: quantized.summary() } : {}) };
}
