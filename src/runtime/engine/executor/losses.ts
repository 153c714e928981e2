/**
 * The loss of docs/method.md (section 4, "The loss and its units"), computed from the forward taps:
 *
 *   total = CE / ln 2 + beta * c * KL / ln 2 + lambda_vq * vq + lambda_c * commit
 *
 * - CE: softmax cross-entropy of the (sample-averaged) logits, mean over the batch, in nats.
 *   A baseline (no `ib` in the LossSpec) trains on plain CE in nats (total = ce), like a
 *   plain classifier; the /ln 2 scaling belongs to the IB objective.
 * - KL, 'standard': KL(N(mu, sd^2) || N(0, I)) = sum_k 0.5 (mu^2 + sd^2 - 1 - 2 ln sd),
 *   mean over the rows of mu_z (n*B rows when sampling).
 *   'reference': the released code's sum_k 0.5 (mu^2 + e^{2 sd} - 1 - 2 sd).
 * - vq = mean over all pixels of (a_q_hard - sg(a))^2: gradient to the anchors only.
 * - commit = mean over all pixels of (a - sg(a_q))^2: gradient to a only.
 * Terms that do not apply (KL for a baseline, vq/commit without quantization) are 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossSpec, QuantizationSpec } from '../../../compiler/ir/ir.js';
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

export function computeLoss(spec: LossSpec, quantization: QuantizationSpec | undefined, inputs: LossInputs, labels: tf.Tensor): LossTerms {
  const ce = crossEntropy(inputs.logits, labels, spec.classes);
  if (!spec.ib) return { total: tf.clone(ce), ce, kl: tf.scalar(0), vq: tf.scalar(0), commit: tf.scalar(0) };

  if (!inputs.latentMean || !inputs.latentStd) throw new Error('an IB loss needs the latent mean and std taps');
  const kl = spec.ib.klForm === 'reference' ? klReference(inputs.latentMean, inputs.latentStd) : klStandard(inputs.latentMean, inputs.latentStd);
  let total: tf.Scalar = tf.add(tf.div(ce, Math.LN2), tf.mul(kl, (spec.ib.beta * spec.ib.klScale) / Math.LN2));

  let vq: tf.Scalar = tf.scalar(0);
  let commit: tf.Scalar = tf.scalar(0);
  if (quantization) {
    if (!inputs.attentionSample || !inputs.anchors) throw new Error('a quantized model needs the attention sample tap and the anchors');
    const a = inputs.attentionSample;
    const hard = quantizeHard(a, inputs.anchors);
    vq = tf.mean(tf.squaredDifference(hard, stopGradient(a)));
    commit = tf.mean(tf.squaredDifference(a, stopGradient(hard)));
    total = tf.add(total, tf.add(tf.mul(vq, quantization.vqWeight), tf.mul(commit, quantization.commitWeight)));
  }
  return { total, ce, kl, vq, commit };
}
