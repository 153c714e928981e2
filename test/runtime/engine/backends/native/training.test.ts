import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { HAVE_NATIVE, NATIVE_REASON, setupNative } from '../../../../fixtures/native.js';
import { compileSpec } from '../../../../../src/compiler/compile.js';
import { nodeFileSystem } from '../../../../../src/host/file-system.js';
import { createTfjsModel, disposeTrainStep } from '../../../../../src/runtime/engine/executor/tfjs-model.js';
import { initParams } from '../../../../../src/runtime/engine/init-params.js';
import { createOptimizer } from '../../../../../src/runtime/engine/executor/optimizers.js';
import { Random } from '../../../../../src/support/random.js';
import type { NativeBackend } from '../../../../../src/runtime/engine/backends/native/index.js';

const skipNote = HAVE_NATIVE ? '' : ` (skipped: ${NATIVE_REASON})`;
const SPEC = fileURLToPath(new URL('../../../../../specs/fashion-small-aib.ibspec', import.meta.url));

/** Trains `steps` SGD steps of the small Fashion-MNIST spec on random data; returns the loss per step and the final weights. */
async function trajectory(backend: string, steps: number): Promise<{ losses: number[]; weights: Map<string, Float32Array> }> {
  await tf.setBackend(backend);
  const compiled = compileSpec(SPEC, nodeFileSystem).value!;
  const { ir } = compiled;
  const model = createTfjsModel(ir, initParams(ir, 3));
  // SGD, not the spec's Adam: Adam turns the round-off-sized gradients of conv biases before batch norm into full-size steps.
  const optimizer = createOptimizer({ kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 }, model.trainableVariables());
  const root = Random.fromSeed(5);
  const batch = 6;
  const [h, w, c] = ir.inputShape;
  const images = tf.tensor4d(root.derive('x').fillNormal(new Float32Array(batch * h * w * c)), [batch, h, w, c]);
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
  const noise = root.derive('noise');
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const result = model.trainStepGradients(images, labels, { samples: ir.samples.train, noise });
    losses.push(result.loss.total.dataSync()[0]!);
    optimizer.step(result.gradients, 0.02);
    disposeTrainStep(result);
  }
  const weights = model.getWeights();
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
  return { losses, weights };
}

describe.skipIf(!HAVE_NATIVE)(`training on the native backend matches the CPU backend${skipNote}`, () => {
  it('gives the same loss trajectory and weights over 4 SGD steps of the small Fashion-MNIST spec', async () => {
    const name = setupNative();
    const cpu = await trajectory('cpu', 4);
    const native = await trajectory(name, 4);
    const fallbacks = [...(tf.backend() as NativeBackend).fallbacks.keys()];
    expect(fallbacks).toEqual([]);
    for (let i = 0; i < cpu.losses.length; i++) {
      expect(Math.abs(native.losses[i]! - cpu.losses[i]!) / Math.abs(cpu.losses[i]!)).toBeLessThan(1e-4);
    }
    let worst = 0;
    for (const [key, values] of cpu.weights) {
      const other = native.weights.get(key)!;
      // Conv biases just before batch norm have zero gradient up to round-off (~1e-9): an absolute floor keeps that noise out.
      let scale = 1e-3, diff = 0;
      for (let i = 0; i < values.length; i++) {
        scale = Math.max(scale, Math.abs(values[i]!));
        diff = Math.max(diff, Math.abs(values[i]! - other[i]!));
      }
      worst = Math.max(worst, diff / scale);
    }
    expect(worst).toBeLessThan(1e-3);
  });
});
