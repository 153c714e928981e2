/**
 * The loss of docs/method.md (section 4, "The loss and its units"), computed from the forward taps:
 *
 *   total = CE / ln 2 + beta * c * KL / ln 2 + lambda_vq * vq + lambda_c * commit
 *
 * with the terms and weights of the IR's LossSpec (a baseline's: cross-entropy alone, in
 * nats, total = ce, like any classifier; the /ln 2 scaling belongs to the IB objective).
 * - CE: softmax cross-entropy of the (sample-averaged) logits, mean over the batch, in nats.
 * - KL, 'standard': KL(N(mu, sd^2) || N(0, I)) = sum_k 0.5 (mu^2 + sd^2 - 1 - 2 ln sd),
 *   mean over the rows of mu_z (n*B rows when sampling).
 *   'reference': the released code's sum_k 0.5 (mu^2 + e^{2 sd} - 1 - 2 sd).
 * - vq = mean over all pixels of (a_q_hard - sg(a))^2: gradient to the anchors only.
 * - commit = mean over all pixels of (a - sg(a_q))^2: gradient to a only.
 * Terms that do not apply (KL for a baseline, vq/commit without quantization) are 0.
 */
import * as tf from '../tfjs-core.js';
import type { LossSpec, LossTerm, LossTermKind } from '../../../compiler/ir/ir.js';
import { LOSS_TERM_FACTS } from '../../../compiler/ir/loss.js';
import { quantizeHard, stopGradient } from './lowerings.js';

export interface LossTerms {
  readonly total: tf.Scalar;
  /** Cross-entropy in nats. */
  readonly ce: tf.Scalar;
  /** KL in nats, in the spec's form (before beta, c and ln 2). */
  readonly kl: tf.Scalar;
  readonly vq: tf.Scalar;
  readonly commit: tf.Scalar;
}

/** The tensors the loss reads. */
export interface LossInputs {
  readonly logits: tf.Tensor;
  readonly latentMean?: tf.Tensor | undefined;
  readonly latentStd?: tf.Tensor | undefined;
  /** a: the continuous map the quantizer reads. */
  readonly attentionSample?: tf.Tensor | undefined;
  /** The anchors variable (quantized models). */
  readonly anchors?: tf.Tensor | undefined;
}

/** Mean softmax cross-entropy (nats) of logits [B, classes] against int labels [B]. */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, classes: number): tf.Scalar {
  const logProbs = tf.logSoftmax(logits as tf.Tensor2D);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes)), 1);
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}

/** KL(N(mu, sd^2) || N(0, I)), summed over the last axis, mean over rows. */
export function klStandard(mu: tf.Tensor, sd: tf.Tensor): tf.Scalar {
  // sd = softplus(...) > 0, but it can underflow to 0 in float32; the floor keeps ln finite.
  const logSd = tf.log(tf.maximum(sd, 1e-38));
  const perDim = tf.mul(0.5, tf.sub(tf.sub(tf.add(tf.square(mu), tf.square(sd)), 1), tf.mul(2, logSd)));
  return tf.mean(tf.sum(perDim, -1));
}

/** The reference code's KL: posterior scale exp(sd) against N(0, I). */
export function klReference(mu: tf.Tensor, sd: tf.Tensor): tf.Scalar {
  const perDim = tf.mul(0.5, tf.sub(tf.sub(tf.add(tf.square(mu), tf.exp(tf.mul(2, sd))), 1), tf.mul(2, sd)));
  return tf.mean(tf.sum(perDim, -1));
}

/** What the terms read: the taps, the labels, and the nearest anchors (computed once, for vq and commit). */
interface TermContext {
  readonly inputs: LossInputs;
  readonly labels: tf.Tensor;
  readonly classes: number;
  quantized(): { readonly a: tf.Tensor; readonly hard: tf.Tensor };
}

/** Each term's value (in nats for the information terms), from the taps. */
const TERM_VALUE: { readonly [K in LossTermKind]: (term: Extract<LossTerm, { kind: K }>, context: TermContext) => tf.Scalar } = {
  crossEntropy: (_term, { inputs, labels, classes }) => crossEntropy(inputs.logits, labels, classes),
  kl: (term, { inputs }) => {
    if (!inputs.latentMean || !inputs.latentStd) throw new Error('an IB loss needs the latent mean and std taps');
    return term.klForm === 'reference' ? klReference(inputs.latentMean, inputs.latentStd) : klStandard(inputs.latentMean, inputs.latentStd);
  },
  vq: (_term, context) => {
    const { a, hard } = context.quantized();
    return tf.mean(tf.squaredDifference(hard, stopGradient(a)));
  },
  commit: (_term, context) => {
    const { a, hard } = context.quantized();
    return tf.mean(tf.squaredDifference(a, stopGradient(hard)));
  },
};

function termValue(term: LossTerm, context: TermContext): tf.Scalar {
  return (TERM_VALUE[term.kind] as (t: LossTerm, c: TermContext) => tf.Scalar)(term, context);
}

/**
 * A term's share of the objective: weight * value, information terms divided by ln 2 in a
 * 'bits' objective. Cross-entropy at weight 1 is divided (in bits) or taken as it is (in
 * nats), and every other term multiplied by one factor: the arithmetic the engines have
 * always done, so that a run's numbers do not move in their last bits.
 */
function contribution(term: LossTerm, value: tf.Scalar, unit: LossSpec['unit']): tf.Scalar {
  const bits = unit === 'bits' && LOSS_TERM_FACTS[term.kind].information;
  if (term.kind === 'crossEntropy' && term.weight === 1) return bits ? tf.div(value, Math.LN2) : value;
  return tf.mul(value, bits ? term.weight / Math.LN2 : term.weight);
}

const sum = (parts: readonly tf.Scalar[]): tf.Scalar | undefined => parts.reduce<tf.Scalar | undefined>((s, p) => (s ? tf.add<tf.Scalar>(s, p) : p), undefined);

/** The loss terms and the objective: the information terms' sum plus the map terms' sum. Terms the loss lacks are 0. */
export function computeLoss(spec: LossSpec, inputs: LossInputs, labels: tf.Tensor): LossTerms {
  const values: Partial<Record<LossTermKind, tf.Scalar>> = {};
  const information: tf.Scalar[] = [];
  const map: tf.Scalar[] = [];
  let quantized: { readonly a: tf.Tensor; readonly hard: tf.Tensor } | undefined;
  const context: TermContext = {
    inputs,
    labels,
    classes: spec.classes,
    quantized: () => {
      if (!inputs.attentionSample || !inputs.anchors) throw new Error('a quantized model needs the attention sample tap and the anchors');
      quantized ??= { a: inputs.attentionSample, hard: quantizeHard(inputs.attentionSample, inputs.anchors) };
      return quantized;
    },
  };
  for (const term of spec.terms) {
    const value = termValue(term, context);
    values[term.kind] = value;
    (LOSS_TERM_FACTS[term.kind].information ? information : map).push(contribution(term, value, spec.unit));
  }
  const informationSum = sum(information);
  const mapSum = sum(map);
  const total: tf.Scalar = informationSum && mapSum ? tf.add<tf.Scalar>(informationSum, mapSum) : (informationSum ?? mapSum ?? tf.scalar(0));
  const orZero = (t: tf.Scalar | undefined): tf.Scalar => t ?? tf.scalar(0);
  return {
    // The objective may be a term itself (plain cross-entropy): every returned tensor is distinct.
    total: Object.values(values).includes(total) ? tf.clone(total) : total,
    ce: orZero(values.crossEntropy),
    kl: orZero(values.kl),
    vq: orZero(values.vq),
    commit: orZero(values.commit),
  };
}
