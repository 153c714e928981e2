/**
 * Gradient clipping (TrainingIR.clip) and the measured gradient norm, on both
 * training engines through the TrainingEngine interface: with plain SGD one
 * step moves each trainable parameter by -lr times its (clipped) gradient, so
 * a clipped step's move is the unclipped move scaled by
 * min(1, maxNorm / (norm + 1e-6)) (by norm), or the unclipped gradient clamped
 * (by value); the norm reported is the gradient's before clipping, and both
 * engines report the same one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { GradientClipIR, ModelIR, OptimizerIR } from '../../../src/compiler/ir/ir.js';
import { Random } from '../../../src/support/random.js';
import { createTrainingEngine, type StepChoice } from '../../../src/runtime/engine/choose-engine.js';
import type { StepBatch } from '../../../src/runtime/engine/training-engine.js';
import type { NativeAddon } from '../../../src/runtime/engine/backends/native/addon.js';
import { tinyAttentionIr } from '../../fixtures/tiny-ir.js';
import { HAVE_NATIVE, nativeAddonForTests } from '../../fixtures/native.js';

let kernels: NativeAddon | undefined;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  kernels = nativeAddonForTests();
});

const PLAIN_SGD: OptimizerIR = { kind: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 };
const IR: ModelIR = { ...tinyAttentionIr({ quantize: true, batchNorm: true, stdShift: -1 }), samples: { train: 1, eval: 0 } };
const LR = 0.05;
const TRAINABLE = IR.params.filter((p) => p.trainable && p.group !== 'buffers').map((p) => p.name);

function initialWeights(): Map<string, Float32Array> {
  const rng = Random.fromSeed(1);
  return new Map(
    IR.params.map((p) => {
      const values = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
      if (p.name.endsWith('anchors')) values.forEach((_, i) => (values[i] = i / Math.max(1, values.length - 1)));
      else if (p.name.endsWith('movingVariance') || p.name.endsWith('gamma')) rng.fillUniform(values, 0.5, 1.5);
      else rng.fillNormal(values, 0, 0.5);
      return [p.name, values] as const;
    }),
  );
}

function batch(): StepBatch {
  const rng = Random.fromSeed(10);
  const [h, w, c] = IR.inputShape;
  return { images: rng.fillNormal(new Float32Array(6 * h * w * c)), labels: Int32Array.from({ length: 6 }, () => rng.int(IR.classes)), count: 6 };
}

const ENGINES: readonly { readonly name: 'tfjs' | 'compiled'; readonly choice: () => StepChoice }[] = [
  { name: 'tfjs', choice: () => ({ engine: 'tfjs', reason: 'test' }) },
  ...(HAVE_NATIVE ? [{ name: 'compiled' as const, choice: (): StepChoice => ({ engine: 'compiled', kernels: kernels!, reason: 'test' }) }] : []),
];

/** One step from the same weights and noise: every trainable parameter's gradient (read off its move) and the reported norm. */
async function oneStep(choice: StepChoice, clip: GradientClipIR | undefined, measure: boolean): Promise<{ gradient: Float32Array; norm: number | undefined }> {
  const before = initialWeights();
  const engine = createTrainingEngine(choice, { model: IR, optimizer: PLAIN_SGD, ...(clip ? { clip } : {}) }, before);
  try {
    engine.step(batch(), { lr: LR, noise: Random.fromSeed(3), ...(measure ? { measureGradientNorm: true } : {}) });
    const [result] = await engine.drain('all');
    const after = await engine.weights();
    const moves = TRAINABLE.flatMap((name) => {
      const b = before.get(name)!;
      const a = after.get(name)!;
      return Array.from(a, (v, i) => (b[i]! - v) / LR);
    });
    return { gradient: Float32Array.from(moves), norm: result?.gradientNorm };
  } finally {
    engine.dispose();
  }
}

const l2 = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Largest difference between `actual` and `expected`, relative to the gradient's largest value. */
function worstRelative(actual: Float32Array, expected: Float32Array): number {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...actual.map((a, i) => Math.abs(a - expected[i]!))) / scale;
}

describe.each(ENGINES)('gradient clipping on the $name engine', ({ choice }) => {
  it('reports the global norm only when asked (or when clipping by norm), and it is the norm of the step it took', async () => {
    const plain = await oneStep(choice(), undefined, false);
    expect(plain.norm).toBeUndefined();
    const measured = await oneStep(choice(), undefined, true);
    expect(measured.norm).toBeGreaterThan(0);
    expect(measured.norm!).toBeCloseTo(l2(measured.gradient), 3);
    // Measuring does not change the step.
    expect(worstRelative(measured.gradient, plain.gradient)).toBeLessThan(1e-4);
  });

  it('clip norm= scales the whole gradient by maxNorm / norm when the norm is larger, and leaves it alone when smaller', async () => {
    const { gradient, norm } = await oneStep(choice(), undefined, true);
    const maxNorm = norm! / 4;
    const clipped = await oneStep(choice(), { kind: 'norm', maxNorm }, false);
    expect(clipped.norm).toBeCloseTo(norm!, 4);
    expect(l2(clipped.gradient)).toBeCloseTo(maxNorm, 3);
    expect(worstRelative(clipped.gradient, gradient.map((g) => (g * maxNorm) / (norm! + 1e-6)))).toBeLessThan(1e-3);
    const loose = await oneStep(choice(), { kind: 'norm', maxNorm: norm! * 2 }, false);
    expect(worstRelative(loose.gradient, gradient)).toBeLessThan(1e-4);
  });

  it('clip value= clamps every gradient value', async () => {
    const { gradient } = await oneStep(choice(), undefined, false);
    const sorted = Array.from(gradient, Math.abs).sort((a, b) => a - b);
    const maxValue = sorted[Math.floor(sorted.length / 2)]!;
    const clipped = await oneStep(choice(), { kind: 'value', maxValue }, false);
    expect(Math.max(...clipped.gradient.map(Math.abs))).toBeLessThanOrEqual(maxValue * (1 + 1e-3));
    expect(worstRelative(clipped.gradient, gradient.map((g) => Math.min(maxValue, Math.max(-maxValue, g))))).toBeLessThan(1e-3);
  });
});

describe.runIf(HAVE_NATIVE)('both engines', () => {
  it('measure the same gradient norm and clip to the same step', async () => {
    const tfjs = ENGINES[0]!.choice;
    const compiled = ENGINES[1]!.choice;
    const clip: GradientClipIR = { kind: 'norm', maxNorm: 0.5 };
    const a = await oneStep(tfjs(), clip, true);
    const b = await oneStep(compiled(), clip, true);
    expect(b.norm! / a.norm!).toBeCloseTo(1, 4);
    expect(worstRelative(b.gradient, a.gradient)).toBeLessThan(1e-3);
  });
});
