/**
 * The loss of docs/method.md (section 4) and its gradient with respect to the taps, computed
 * in one pass over the (small) tap arrays. The same terms as the TF.js
 * executor's losses.ts, in the same units: CE and KL in nats, the IB total
 * CE / ln 2 + beta c KL / ln 2 + lambda_vq vq + lambda_c commit, the
 * baseline's total plain CE in nats.
 */
import type { LossSpec, LossTerm, LossTermKind } from '../../../compiler/ir/ir.js';
import { LOSS_TERM_FACTS, lossTerm } from '../../../compiler/ir/loss.js';
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

/** Softmax cross-entropy, mean over rows; writes weight * d ce / d logits when given a target. */
function crossEntropy(logits: NodeValue, labels: Int32Array, target: GradTarget | undefined, weight: number): number {
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
    if (!target) continue;
    for (let k = 0; k < classes; k++) {
      const p = Math.exp(ls[o + k]! - logSum);
      write(target, o + k, ((p - (k === label ? 1 : 0)) / rows) * weight);
    }
  }
  return total / rows;
}

/** KL of N(mu, sd^2) against N(0, I) (or the reference code's form), summed over K, mean over rows; writes weight * gradients when given targets. */
function kl(form: 'standard' | 'reference', mu: NodeValue, sd: NodeValue, dMu: GradTarget | undefined, dSd: GradTarget | undefined, weight: number): number {
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
      if (dSd) write(dSd, i, ((s - (floored ? 1 / s : 0)) / rows) * weight);
    } else {
      const e = Math.exp(2 * s);
      total += 0.5 * (m * m + e - 1 - 2 * s);
      if (dSd) write(dSd, i, ((e - 1) / rows) * weight);
    }
    if (dMu) write(dMu, i, (m / rows) * weight);
  }
  return total / rows;
}

/**
 * vq = commit = mean (a_q - a)^2 in value, in one pass over the map: with `vqWeight`, vq's
 * gradient (times it) goes to the anchors; with `commitWeight`, commit's to a.
 */
function quantizationTerms(a: NodeValue, da: GradTarget | undefined, anchors: Float32Array, dAnchors: Float32Array | undefined, vqWeight: number | undefined, commitWeight: number | undefined): number {
  const as = a.data;
  const count = as.length;
  const anchorsGrad = vqWeight === undefined ? undefined : dAnchors;
  const mapGrad = commitWeight === undefined ? undefined : da;
  const vqScale = vqWeight ?? 0;
  const commitScale = commitWeight ?? 0;
  if (anchorsGrad) anchorsGrad.fill(0);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const k = nearestAnchorIndex(as[i]!, anchors);
    const diff = anchors[k]! - as[i]!;
    sum += diff * diff;
    if (anchorsGrad) anchorsGrad[k]! += (2 * diff * vqScale) / count;
    if (mapGrad) write(mapGrad, i, (-2 * diff * commitScale) / count);
  }
  return sum / count;
}

/** The taps an evaluation pass reads: the values, no gradient targets. */
export type LossValueTaps = Pick<LossTaps, 'logits' | 'latentMean' | 'latentStd' | 'attentionSample' | 'anchors'>;

/** What the terms read, and the quantizer's one pass over the map (shared by vq and commit, run at most once). */
interface TermContext {
  /** The taps; the gradient targets are written only when `gradients` is true. */
  readonly taps: LossValueTaps & Partial<LossTaps>;
  readonly gradients: boolean;
  readonly labels: Int32Array;
  /** A 'bits' objective: the information terms (CE, KL) are divided by ln 2. */
  readonly bits: boolean;
  quantization(): number;
}

/** Each term's value (CE and KL in nats) and its share of the objective; it writes its gradients into the taps' targets. */
const TERM: { readonly [K in LossTermKind]: (term: Extract<LossTerm, { kind: K }>, context: TermContext) => { readonly value: number; readonly share: number } } = {
  crossEntropy: (term, { taps, labels, bits, gradients }) => {
    const target = gradients ? taps.logitsGrad : undefined;
    if (gradients && !target) throw new Error('a training loss needs the logits gradient target');
    const ce = crossEntropy(taps.logits, labels, target, bits ? term.weight / Math.LN2 : term.weight);
    // (ce * w) / ln 2, as the executor divides cross-entropy by ln 2 (and as this step always has).
    return { value: ce, share: bits ? (ce * term.weight) / Math.LN2 : ce * term.weight };
  },
  kl: (term, { taps, bits, gradients }) => {
    const { latentMean, latentStd, latentMeanGrad, latentStdGrad } = taps;
    if (!latentMean || !latentStd || (gradients && (!latentMeanGrad || !latentStdGrad))) throw new Error('an IB loss needs the latent mean and std taps');
    const weight = bits ? term.weight / Math.LN2 : term.weight;
    const value = kl(term.klForm, latentMean, latentStd, gradients ? latentMeanGrad : undefined, gradients ? latentStdGrad : undefined, weight);
    return { value, share: value * weight };
  },
  vq: (term, context) => {
    const value = context.quantization();
    return { value, share: value * term.weight };
  },
  commit: (term, context) => {
    const value = context.quantization();
    return { value, share: value * term.weight };
  },
};

function termShare(term: LossTerm, context: TermContext): { readonly value: number; readonly share: number } {
  return (TERM[term.kind] as (t: LossTerm, c: TermContext) => { value: number; share: number })(term, context);
}

/**
 * Computes the terms of the IR's LossSpec and writes d total / d tap into each tap's
 * gradient target. The objective is the information terms' sum (CE, KL: divided by ln 2 in
 * a 'bits' objective) plus the map terms' sum (vq, commit), as the executor adds them.
 * Returns [total, ce, kl, vq, commit], 0 for a term the loss lacks.
 */
export function lossAndGradients(spec: LossSpec, taps: LossTaps, labels: Int32Array): LossValues {
  return lossTerms(spec, taps, labels, true);
}

/**
 * The same terms and objective as `lossAndGradients`, in the same arithmetic, writing no
 * gradient (the epoch's validation loss, on an evaluation plan's taps).
 */
export function lossValues(spec: LossSpec, taps: LossValueTaps, labels: Int32Array): LossValues {
  return lossTerms(spec, taps, labels, false);
}

function lossTerms(spec: LossSpec, taps: LossValueTaps & Partial<LossTaps>, labels: Int32Array, gradients: boolean): LossValues {
  let quantized: number | undefined;
  const context: TermContext = {
    taps,
    gradients,
    labels,
    bits: spec.unit === 'bits',
    quantization: () => {
      if (!taps.attentionSample || !taps.anchors) throw new Error('a quantized model needs the attention sample tap and the anchors');
      quantized ??= gradients
        ? quantizationTerms(taps.attentionSample, taps.attentionSampleGrad, taps.anchors, taps.anchorsGrad, lossTerm(spec, 'vq')?.weight, lossTerm(spec, 'commit')?.weight)
        : quantizationTerms(taps.attentionSample, undefined, taps.anchors, undefined, undefined, undefined);
      return quantized;
    },
  };
  const values: Record<LossTermKind, number> = { crossEntropy: 0, kl: 0, vq: 0, commit: 0 };
  let information = 0;
  let map = 0;
  for (const term of spec.terms) {
    const { value, share } = termShare(term, context);
    values[term.kind] = value;
    if (LOSS_TERM_FACTS[term.kind].information) information += share;
    else map += share;
  }
  return [information + map, values.crossEntropy, values.kl, values.vq, values.commit];
}
