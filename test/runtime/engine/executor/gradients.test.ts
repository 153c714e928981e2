/**
 * Finite-difference checks of trainStepGradients on a tiny conv + BN +
 * attention + latent model in training mode (batch statistics, seeded dropout
 * and reparameterisation noise, so the loss is a deterministic function of the
 * parameters). Central differences of the float32 loss, accumulated in float64.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createTfjsModel, disposeForward, disposeLoss, disposeTrainStep, type TfjsModel } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import { Random } from '../../../../src/support/random.js';
import { TinyIrBuilder, randomArray, randomParams, tinyAttentionIr } from '../../../fixtures/tiny-ir.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SEED = 21;

function lossAt(model: TfjsModel, images: tf.Tensor4D, labels: tf.Tensor1D): number {
  const out = model.forward(images, { training: true, samples: 1, noise: Random.fromSeed(SEED) });
  const loss = model.loss(out, labels);
  const value = loss.total.dataSync()[0]!;
  disposeLoss(loss);
  disposeForward(out);
  return value;
}

/** beta is chosen so that the loss stays near 10: float32 rounding of a larger loss swamps the differences. */
function checkGradients(klForm: 'standard' | 'reference', beta: number): void {
  const ir = tinyAttentionIr({ batchNorm: true, dropout: 0.2, stdShift: -1, klForm, loss: { ib: { beta, klScale: 1, klForm } } });
  const params = randomParams(ir, 4);
  const model = createTfjsModel(ir, params);
  const images = tf.tensor4d(randomArray(4 * 6 * 6 * 2, 8), [4, 6, 6, 2]);
  const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
  const step = model.trainStepGradients(images, labels, { samples: 1, noise: Random.fromSeed(SEED), updateStatistics: false });
  const analytic = new Map([...step.gradients].map(([k, v]) => [k, v.dataSync().slice()]));
  disposeTrainStep(step);

  // [parameter, elements, step]: BN shifts move many activations at once, so they take a smaller step (fewer ReLU/max-pool kinks crossed).
  const checks: [string, number[], number?][] = [
    ['att/conv/kernel', [0, 7, 20]], // attention mean head
    ['att/conv/bias', [0]],
    ['att/std_conv/kernel', [0, 4, 8]], // attention std head
    ['att/std_conv/bias', [0]],
    ['enc/dense/kernel', [0, 13, 100, 215]], // encoder dense (mu_z and sd_z columns)
    ['dec/dense1/kernel', [1, 6]],
    ['dec/dense2/kernel', [0, 5, 11]], // decoder
    ['dec/dense2/bias', [2]],
    ['trunk/conv/kernel', [0, 17, 40]],
    ['trunk/bn/gamma', [0, 2], 2e-3],
    ['trunk/bn/beta', [1], 2e-3],
  ];
  for (const [name, indices, step] of checks) {
    const h = step ?? 1e-2;
    const base = params.get(name)!;
    for (const i of indices) {
      const plus = base.slice();
      plus[i]! += h;
      model.setWeights(new Map([[name, plus]]));
      const lp = lossAt(model, images, labels);
      const minus = base.slice();
      minus[i]! -= h;
      model.setWeights(new Map([[name, minus]]));
      const lm = lossAt(model, images, labels);
      model.setWeights(new Map([[name, base]]));
      const numeric = (lp - lm) / (2 * h);
      const g = analytic.get(name)![i]!;
      const scale = Math.max(Math.abs(g), Math.abs(numeric));
      expect(Math.abs(g - numeric), `${name}[${i}]: analytic ${g}, numeric ${numeric}`).toBeLessThanOrEqual(1e-2 * scale + 2e-4);
    }
  }
  model.dispose();
  tf.dispose([images, labels]);
}

describe('trainStepGradients vs finite differences', () => {
  it('standard KL', () => checkGradients('standard', 0.5));
  it('reference KL', () => checkGradients('reference', 0.005));
});

describe('batch norm over vectors (rank 2) vs finite differences', () => {
  it('dense -> BN -> relu -> dense', () => {
    const g = new TinyIrBuilder([2, 2, 3]);
    const flat = g.add('flat', 'Flatten', {}, ['image'], {}, [12]);
    const bn = g.batchNorm('bn', g.dense('d1', flat, 5));
    const logits = g.dense('d2', g.act('relu', bn, 'relu'), 3);
    const ir = g.build({ logits }, {});
    const params = randomParams(ir, 12);
    const model = createTfjsModel(ir, params);
    const images = tf.tensor4d(randomArray(6 * 12, 13), [6, 2, 2, 3]);
    const labels = tf.tensor1d([0, 1, 2, 2, 1, 0], 'int32');
    const step = model.trainStepGradients(images, labels, { samples: 0, updateStatistics: false });
    const analytic = new Map([...step.gradients].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
    disposeTrainStep(step);
    const loss = (): number => {
      const out = model.forward(images, { training: true, samples: 0 });
      const l = model.loss(out, labels);
      const v = l.total.dataSync()[0]!;
      disposeLoss(l);
      disposeForward(out);
      return v;
    };
    const h = 2e-3;
    for (const [name, i] of [['d1/kernel', 0], ['d1/kernel', 33], ['d1/bias', 2], ['bn/gamma', 1], ['bn/beta', 4], ['d2/kernel', 7]] as const) {
      const base = params.get(name)!;
      const at = (delta: number): number => {
        const p = base.slice();
        p[i]! += delta;
        model.setWeights(new Map([[name, p]]));
        return loss();
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      model.setWeights(new Map([[name, base]]));
      const a = analytic.get(name)![i]!;
      expect(Math.abs(a - numeric), `${name}[${i}]: analytic ${a}, numeric ${numeric}`).toBeLessThanOrEqual(1e-2 * Math.max(Math.abs(a), Math.abs(numeric)) + 2e-4);
    }
    model.dispose();
    tf.dispose([images, labels]);
  });
});
