/**
 * The loss of docs/method.md (section 4) and its gradient with respect to the taps, computed
 * in one pass over the (small) tap arrays. The same terms as the TF.js
 * executor's losses.ts, in the same units: CE and KL in nats, the IB total
 * CE / ln 2 + beta c KL / ln 2 + lambda_vq vq + lambda_c commit, the
 * baseline's total plain CE in nats.
 */
import type { LossSpec, QuantizationSpec } from '../../../compiler/ir/ir.js';
import type { GradTarget, NodeValue } from './values.js';
import { nearestAnchorIndex } from '../../../compiler/ir/index-maps.js';

/** [total, ce, kl, vq, commit]: the order the trainer records. */
export type LossValues = [number, number, number, number, number];

export interface LossTaps {
  readonly logits: NodeValue;
  readonly logitsGrad: GradTarget;
  readonly latentMean?: NodeValue;
  readonly latentMeanGrad?: GradTarget;
  readonly latentStd?: NodeValue;
  readonly latentStdGrad?: GradTarget;
  /** a: the continuous map the quantizer reads. */
  readonly attentionSample?: NodeValue;
  readonly attentionSampleGrad?: GradTarget;
  readonly anchors?: Float32Array;
  /** Written (overwritten) with d total / d anchors; undefined when the anchors are frozen. */
  readonly anchorsGrad?: Float32Array;
}

function write(target: GradTarget, i: number, value: number): void {
  if (target.add) target.grad[i]! += value;
  else target.grad[i] = value;
}

/** Softmax cross-entropy, mean over rows; writes weight * d ce / d logits. */
function crossEntropy(logits: NodeValue, labels: Int32Array, target: GradTarget, weight: number): number {
  const classes = logits.width;
  const rows = logits.rows;
  const ls = logits.data;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, ls[o + k]!);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(ls[o + k]! - max);
    const logSum = max + Math.log(sum);
    const label = labels[r]!;
    total += logSum - ls[o + label]!;
    for (let k = 0; k < classes; k++) {
      const p = Math.exp(ls[o + k]! - logSum);
      write(target, o + k, ((p - (k === label ? 1 : 0)) / rows) * weight);
    }
  }
  return total / rows;
}

/** KL of N(mu, sd^2) against N(0, I) (or the reference code's form), summed over K, mean over rows; writes weight * gradients. */
function kl(form: 'standard' | 'reference', mu: NodeValue, sd: NodeValue, dMu: GradTarget, dSd: GradTarget, weight: number): number {
  const rows = mu.rows;
  const ms = mu.data;
  const ss = sd.data;
  let total = 0;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i]!;
    const s = ss[i]!;
    if (form === 'standard') {
      // sd can underflow to 0 in float32: the floor keeps ln finite (and its gradient zero there, as tf.maximum's is).
      const floored = s >= 1e-38;
      total += 0.5 * (m * m + s * s - 1 - 2 * Math.log(floored ? s : 1e-38));
      write(dSd, i, ((s - (floored ? 1 / s : 0)) / rows) * weight);
    } else {
      const e = Math.exp(2 * s);
      total += 0.5 * (m * m + e - 1 - 2 * s);
      write(dSd, i, ((e - 1) / rows) * weight);
    }
    write(dMu, i, (m / rows) * weight);
  }
  return total / rows;
}

/** vq = commit = mean (a_q - a)^2 in value; vq's gradient goes to the anchors, commit's to a. */
function quantizationTerms(a: NodeValue, da: GradTarget | undefined, anchors: Float32Array, dAnchors: Float32Array | undefined, quantization: QuantizationSpec): number {
  const as = a.data;
  const count = as.length;
  if (dAnchors) dAnchors.fill(0);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const k = nearestAnchorIndex(as[i]!, anchors);
    const diff = anchors[k]! - as[i]!;
    sum += diff * diff;
    if (dAnchors) dAnchors[k]! += (2 * diff * quantization.vqWeight) / count;
    if (da) write(da, i, (-2 * diff * quantization.commitWeight) / count);
  }
  return sum / count;
}

/** Computes the terms and writes d total / d tap into each tap's gradient target. */
export function lossAndGradients(spec: LossSpec, quantization: QuantizationSpec | undefined, taps: LossTaps, labels: Int32Array): LossValues {
  if (!spec.ib) {
    const ce = crossEntropy(taps.logits, labels, taps.logitsGrad, 1);
    return [ce, ce, 0, 0, 0];
  }
  const ce = crossEntropy(taps.logits, labels, taps.logitsGrad, 1 / Math.LN2);
  const { latentMean, latentStd, latentMeanGrad, latentStdGrad } = taps;
  if (!latentMean || !latentStd || !latentMeanGrad || !latentStdGrad) throw new Error('an IB loss needs the latent mean and std taps');
  const klWeight = (spec.ib.beta * spec.ib.klScale) / Math.LN2;
  const klValue = kl(spec.ib.klForm, latentMean, latentStd, latentMeanGrad, latentStdGrad, klWeight);
  let total = ce / Math.LN2 + klValue * klWeight;
  let vq = 0;
  if (quantization) {
    if (!taps.attentionSample || !taps.anchors) throw new Error('a quantized model needs the attention sample tap and the anchors');
    vq = quantizationTerms(taps.attentionSample, taps.attentionSampleGrad, taps.anchors, taps.anchorsGrad, quantization);
    total += vq * quantization.vqWeight + vq * quantization.commitWeight;
  }
  return [total, ce, klValue, vq, vq];
}
