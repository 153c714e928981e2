/**
 * The TF.js executor on models built by the compiler from the shipped specs:
 * output of every node equals the reference interpreter, and a training step
 * yields finite gradients for every trainable parameter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compileSpec } from '../../../../src/compiler/compile.js';
import { nodeFileSystem } from '../../../../src/host/file-system.js';
import { initParams } from '../../../../src/runtime/engine/init-params.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { runGraph } from '../../../../src/runtime/engine/executor/executor.js';
import { createTfjsModel, disposeTrainStep } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import { Random } from '../../../../src/support/random.js';
import type { ModelIR } from '../../../../src/compiler/ir/ir.js';
import { randomArray } from '../../../fixtures/tiny-ir.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function compile(path: string): ModelIR {
  const result = compileSpec(path, nodeFileSystem);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.value!.ir;
}

function compareWithReference(ir: ModelIR, params: Map<string, Float32Array>, training: boolean, samples: number): void {
  const batch = 2;
  const input = randomArray(batch * ir.inputShape.reduce((a, b) => a * b, 1), 3);
  const reference = runReference(ir, params, input, batch, samples === 0 && !training ? { training: false, samples: 0 } : { training, samples, noise: Random.fromSeed(8) });
  tf.tidy(() => {
    const tensors = new Map(ir.params.map((p) => [p.name, tf.tensor(params.get(p.name)!, [...p.shape])]));
    const result = runGraph(
      ir,
      (name) => tensors.get(name)!,
      tf.tensor4d(input, [batch, ...ir.inputShape]),
      { training, samples, noise: Random.fromSeed(8) },
      ir.nodes.map((n) => n.id),
    );
    for (const node of ir.nodes) {
      const got = result.outputs.get(node.id)!.dataSync();
      const want = reference.values.get(node.id)!;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
      expect(worst, `${node.id} (${node.op})`).toBeLessThanOrEqual(1e-4);
    }
  });
}

describe.each(['specs/fashion-small-aib-qt.ibspec', 'specs/fashion-small-aib.ibspec', 'specs/fashion-small-baseline.ibspec'])('%s', (path) => {
  it('matches the reference interpreter node by node (eval mean, and training with n = 2)', () => {
    const ir = compile(path);
    const params = initParams(ir, 1);
    compareWithReference(ir, params, false, 0);
    compareWithReference(ir, params, true, 2);
  });

  it('a training step gives finite gradients for every trainable parameter', () => {
    const ir = compile(path);
    const model = createTfjsModel(ir, initParams(ir, 2));
    const images = tf.tensor4d(randomArray(4 * 28 * 28, 5), [4, 28, 28, 1]);
    const labels = tf.tensor1d([0, 3, 7, 9], 'int32');
    const step = model.trainStepGradients(images, labels, { samples: ir.samples.train, noise: Random.fromSeed(1) });
    expect(Number.isFinite(step.loss.total.dataSync()[0]!)).toBe(true);
    const trainables = model.trainableVariables();
    expect([...step.gradients.keys()].sort()).toEqual(trainables.map((t) => t.name).sort());
    for (const [name, g] of step.gradients) expect(g.dataSync().every(Number.isFinite), name).toBe(true);
    disposeTrainStep(step);
    model.dispose();
    tf.dispose([images, labels]);
  });
});
