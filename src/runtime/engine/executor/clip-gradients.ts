/**
 * Gradient clipping on TF.js tensors (engine/training-engine.ts: before weight
 * decay and the update), with torch.nn.utils' arithmetic: the global L2 norm
 * over every trainable parameter's gradient, scaled by
 * min(1, maxNorm / (norm + 1e-6)); or each value clamped to [-maxValue, maxValue].
 * Nothing is read from the device.
 */
import * as tf from '../tfjs-core.js';
import type { GradientClipIR } from '../../../compiler/ir/ir.js';

/** torch's clip_grad_norm_ guard against a zero norm. */
const NORM_EPSILON = 1e-6;

/**
 * sqrt of the sum of every gradient value's square. The per-parameter sums are added one at a
 * time, not with addN: WebGPU binds one storage buffer per addN input, and devices allow as few
 * as 8 per shader stage (a VGG has dozens of parameters).
 */
export function globalGradientNorm(gradients: ReadonlyMap<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => tf.sqrt([...gradients.values()].reduce<tf.Tensor>((sum, g) => tf.add(sum, tf.sum(tf.square(g))), tf.scalar(0))) as tf.Scalar);
}

/** New, clipped gradients (the caller disposes them); `norm` is globalGradientNorm's, needed for 'norm'. */
export function clipGradients(gradients: ReadonlyMap<string, tf.Tensor>, clip: GradientClipIR, norm: tf.Scalar | undefined): Map<string, tf.Tensor> {
  if (clip.kind === 'value') return new Map([...gradients].map(([name, g]) => [name, tf.clipByValue(g, -clip.maxValue, clip.maxValue)]));
  if (!norm) throw new Error('clipping by norm needs the global gradient norm');
  const factor = tf.tidy(() => tf.minimum(tf.scalar(1), tf.div(tf.scalar(clip.maxNorm), tf.add(norm, NORM_EPSILON))));
  try {
    return new Map([...gradients].map(([name, g]) => [name, tf.mul(g, factor)]));
  } finally {
    factor.dispose();
  }
}
