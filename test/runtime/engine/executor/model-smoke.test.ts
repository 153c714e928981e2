import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createTfjsModel, disposeForward, disposeTrainStep } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import { Random } from '../../../../src/support/random.js';
import { randomArray, randomParams, tinyAttentionIr } from '../../../fixtures/tiny-ir.js';

describe('TfjsModel smoke', () => {
  it('runs forward and a train step without leaking', async () => {
    await tf.setBackend('cpu');
    const ir = tinyAttentionIr({ quantize: true, batchNorm: true, dropout: 0.2, resize: true });
    const model = createTfjsModel(ir, randomParams(ir, 1));
    const images = tf.tensor4d(randomArray(2 * 6 * 6 * 2, 2), [2, 6, 6, 2]);
    const labels = tf.tensor1d([0, 2], 'int32');
    const before = tf.memory().numTensors;
    const out = model.forward(images, { training: false, samples: 0 });
    expect(out.logits.shape).toEqual([2, 3]);
    disposeForward(out);
    const out2 = model.forward(images, { training: true, samples: 2, noise: Random.fromSeed(3) });
    expect(out2.logits.shape).toEqual([2, 3]);
    expect(out2.taps.attentionSample!.shape).toEqual([4, 3, 3, 1]);
    expect(out2.taps.latentMean!.shape).toEqual([4, 4]);
    const l = model.loss(out2, labels);
    expect(Number.isFinite(l.total.dataSync()[0]!)).toBe(true);
    tf.dispose(Object.values(l));
    disposeForward(out2);
    const step = model.trainStepGradients(images, labels, { samples: 1, noise: Random.fromSeed(4) });
    expect([...step.gradients.keys()].length).toBe(model.trainableVariables().length);
    disposeTrainStep(step);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose([images, labels]);
  });
});
