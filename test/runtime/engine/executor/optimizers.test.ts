import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createOptimizer, type OptimizedVariable } from '../../../../src/runtime/engine/executor/optimizers.js';
import type { OptimizerSpec } from '../../../../src/compiler/spec/resolved-spec.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function variable(name: string, values: number[], trainable = true, lrScale = 1): OptimizedVariable {
  return { name, variable: tf.variable(tf.tensor1d(values), trainable), lrScale };
}

function run(spec: OptimizerSpec, grads: number[][], lr: number): number[][] {
  const w = variable('w', [1, -2]);
  const opt = createOptimizer(spec, [w]);
  const seen: number[][] = [];
  for (const g of grads) {
    const t = tf.tensor1d(g);
    opt.step(new Map([['w', t]]), lr);
    t.dispose();
    seen.push(Array.from(w.variable.dataSync()));
  }
  opt.dispose();
  w.variable.dispose();
  return seen;
}

function expectClose(actual: number[][], expected: number[][], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThan(tol)));
}

const sgd = (momentum: number, nesterov: boolean, weightDecay: number): OptimizerSpec => ({ kind: 'sgd', lr: 0.1, momentum, nesterov, weightDecay });

describe('SGD (PyTorch semantics)', () => {
  // Expected values: worked by hand for the first two steps and checked against torch.optim.SGD in float64.
  it('momentum + nesterov + weight decay as L2 on the gradient', () => {
    const g = [0.5, 0.25];
    expectClose(run(sgd(0.9, true, 0.01), [g, g, g], 0.1), [
      [0.9031, -2.0437],
      [0.76507411, -2.10594697],
      [0.590209958191, -2.184807273757],
    ]);
  });

  it('plain momentum', () => {
    const g = [0.5, 0.25];
    expectClose(run(sgd(0.9, false, 0.01), [g, g, g], 0.1), [
      [0.949, -2.023],
      [0.852151, -2.066677],
      [0.714134749, -2.128919623],
    ]);
  });

  it('no momentum is p -= lr * (g + wd * p)', () => {
    expectClose(run(sgd(0, false, 0), [[0.5, 0.25]], 0.1), [[0.95, -2.025]]);
  });

  it('momentum state round-trips through getState/setState (resume continues identically)', () => {
    const g = tf.tensor1d([0.5, 0.25]);
    const a = variable('w', [1, -2]);
    const optA = createOptimizer(sgd(0.9, true, 0.01), [a]);
    for (let i = 0; i < 3; i++) optA.step(new Map([['w', g]]), 0.1);

    const b = variable('w', [1, -2]);
    const optB = createOptimizer(sgd(0.9, true, 0.01), [b]);
    optB.step(new Map([['w', g]]), 0.1);
    const state = optB.getState();
    const c = variable('w', Array.from(b.variable.dataSync()));
    const optC = createOptimizer(sgd(0.9, true, 0.01), [c]);
    optC.setState(state);
    expect(optC.steps()).toBe(1);
    optC.step(new Map([['w', g]]), 0.1);
    optC.step(new Map([['w', g]]), 0.1);
    expect(Array.from(c.variable.dataSync())).toEqual(Array.from(a.variable.dataSync()));
  });
});

describe('Adam (PyTorch semantics, bias correction)', () => {
  const grads = [
    [0.5, 0.25],
    [-0.3, 0.1],
    [0.2, -0.4],
  ];
  it('with L2 weight decay', () => {
    const spec: OptimizerSpec = { kind: 'adam', lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };
    // Step 1 by hand: m = 0.1 g', v = 0.001 g'^2, so m_hat / sqrt(v_hat) = sign(g') and p moves by lr.
    expectClose(run(spec, grads, 0.1), [
      [0.9000000016666666, -2.09999998],
      [0.8613529972101512, -2.0599661765022854],
      [0.8078745546785667, -1.9912687396452016],
    ]);
  });

  it('CUB reference settings (lr 1e-4, betas 0.5/0.999)', () => {
    const spec: OptimizerSpec = { kind: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };
    expectClose(run(spec, grads, 1e-4), [
      [0.999900000002, -2.000099999996],
      [0.9999080854744024, -2.0001787981251846],
      [0.9998799801306146, -2.0001197973369464],
    ]);
  });
});

describe('the anchors', () => {
  it('anchors train at lr * lrScale', () => {
    const w = variable('w', [1]);
    const anchors = variable('q/anchors', [0, 0.5, 1], true, 1e-2);
    const opt = createOptimizer(sgd(0, false, 0), [w, anchors]);
    opt.step(new Map([['w', tf.tensor1d([1])], ['q/anchors', tf.tensor1d([1, 1, 1])]]), 0.5);
    expect(w.variable.dataSync()[0]).toBeCloseTo(0.5, 6);
    expectClose([Array.from(anchors.variable.dataSync())], [[-0.005, 0.495, 0.995]]);
  });

  it('frozen anchors never move (no weight decay either)', () => {
    const anchors = variable('q/anchors', [0, 0.5, 1], false);
    const opt = createOptimizer(sgd(0.9, false, 0.1), [anchors]);
    opt.step(new Map([['q/anchors', tf.tensor1d([1, 1, 1])]]), 0.5);
    expect(Array.from(anchors.variable.dataSync())).toEqual([0, 0.5, 1]);
    expect(Object.keys(opt.getState().buffers)).toEqual([]);
  });
});
