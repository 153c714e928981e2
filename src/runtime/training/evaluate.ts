/**
 * Top-1 / top-5 accuracy of a model on a split, with the spec's evaluation
 * sample count. With n > 0 samples the noise comes from a fixed evaluation
 * seed, so evaluating the same weights twice gives the same numbers and
 * evaluation never advances the training streams. Where the split has object
 * boxes, evaluateLocalization scores the attention maps against them
 * (localization.ts).
 */
import * as tf from '../engine/tfjs-core.js';
import { LocalizationTotals, localizeMap, type Localization, type ObjectBox } from './localization.js';
import type { EvaluationResult, StepLoss } from '../engine/training-engine.js';

export interface Accuracy {
  readonly top1: number;
  readonly top5: number;
  readonly count: number;
  /** Mean cross-entropy (nats) of the evaluation logits: -log softmax(logits)[label]. */
  readonly crossEntropy: number;
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

/** The summed cross-entropy (nats) of logits [B, classes] against labels, by a stable log-sum-exp. */
export function sumCrossEntropy(logits: Float32Array, classes: number, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let b = 0; b < labels.length; b++) {
    const row = logits.subarray(b * classes, (b + 1) * classes);
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let exp = 0;
    for (const v of row) exp += Math.exp(v - max);
    sum += max + Math.log(exp) - (row[labels[b] ?? 0] ?? NaN);
  }
  return sum;
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
  let crossEntropy = 0;
  for await (const batch of batches) {
    const logits = await predict(batch);
    const c = countCorrect(logits, classes, batch.labels, 5);
    top1 += c.top1;
    top5 += c.topK;
    crossEntropy += sumCrossEntropy(logits, classes, batch.labels);
    count += batch.labels.length;
  }
  return { top1: count ? top1 / count : 0, top5: count ? top5 / count : 0, count, crossEntropy: count ? crossEntropy / count : NaN };
}

/** Accuracy, and the training loss's terms on the evaluation pass, each the mean over the split's examples of its per-batch value. */
export interface LossScores extends Accuracy {
  readonly loss: StepLoss;
}

/**
 * `evaluateAccuracy` on an engine's `evaluate` (engine/training-engine.ts): the accuracy of its
 * logits, and its loss terms, weighted by each batch's size (a batch's term is already a
 * mean over its examples, or over its rows or map values, which are proportional to them).
 */
export async function evaluateWithLoss<B extends { readonly labels: Int32Array }>(
  batches: Iterable<B> | AsyncIterable<B>,
  classes: number,
  evaluate: (batch: B) => Promise<EvaluationResult>,
): Promise<LossScores> {
  const sums = { total: 0, crossEntropy: 0, kl: 0, vq: 0, commit: 0 };
  let seen = 0;
  const accuracy = await evaluateAccuracy(batches, classes, async (batch) => {
    const { loss, logits } = await evaluate(batch);
    const n = batch.labels.length;
    sums.total += loss.total * n;
    sums.crossEntropy += loss.terms.crossEntropy * n;
    sums.kl += loss.terms.kl * n;
    sums.vq += loss.terms.vq * n;
    sums.commit += loss.terms.commit * n;
    seen += n;
    return logits;
  });
  const mean = (sum: number): number => (seen > 0 ? sum / seen : NaN);
  return {
    ...accuracy,
    loss: { total: mean(sums.total), terms: { crossEntropy: mean(sums.crossEntropy), kl: mean(sums.kl), vq: mean(sums.vq), commit: mean(sums.commit) } },
  };
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
