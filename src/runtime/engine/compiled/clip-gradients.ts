/**
 * Gradient clipping on the parameter arena's gradients, in place, with the
 * executor's arithmetic (executor/clip-gradients.ts, torch.nn.utils): the global
 * L2 norm over the trainable prefix, scaled by min(1, maxNorm / (norm + 1e-6));
 * or each value clamped to [-maxValue, maxValue].
 */
import type { GradientClipIR } from '../../../compiler/ir/ir.js';

const NORM_EPSILON = 1e-6;

/** The global L2 norm of `grads` (summed in double precision). */
export function gradientNorm(grads: Float32Array): number {
  let sum = 0;
  for (const g of grads) sum += g * g;
  return Math.sqrt(sum);
}

/** Clips `grads` in place; `norm` is gradientNorm(grads). */
export function clipGradientsInPlace(grads: Float32Array, clip: GradientClipIR, norm: number): void {
  if (clip.kind === 'value') {
    const m = clip.maxValue;
    for (let i = 0; i < grads.length; i++) {
      const g = grads[i] ?? 0;
      grads[i] = g > m ? m : g < -m ? -m : g;
    }
    return;
  }
  const factor = Math.min(1, clip.maxNorm / (norm + NORM_EPSILON));
  if (factor === 1) return;
  for (let i = 0; i < grads.length; i++) grads[i] = (grads[i] ?? 0) * factor;
}
