/**
 * A user's process may import the union package @tensorflow/tfjs (for a GraphModel,
 * layers, a browser bundle) next to ibc. The union registers its own gradients at
 * import; ibc's must win for the kernels it trains through.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerTfjsGradients } from '../../../../src/runtime/engine/executor/gradients.js';
import { createTfjsModel, disposeTrainStep } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import { Random } from '../../../../src/support/random.js';
import { randomArray, randomParams, tinyAttentionIr } from '../../../fixtures/tiny-ir.js';

describe('registerTfjsGradients next to @tensorflow/tfjs', () => {
  it('replaces the union package’s gradients, idempotently', () => {
    const stock = tf.getGradient('GatherV2');
    expect(stock).toBeDefined();
    registerTfjsGradients();
    const ours = tf.getGradient('GatherV2');
    expect(ours).not.toBe(stock);
    registerTfjsGradients();
    expect(tf.getGradient('GatherV2')).toBe(ours);
  });

  it('trains a quantized attention model in a process that imported the union package', async () => {
    await tf.setBackend('cpu');
    const ir = tinyAttentionIr({ quantize: true, batchNorm: true, resize: true });
    const model = createTfjsModel(ir, randomParams(ir, 1));
    const images = tf.tensor4d(randomArray(2 * 6 * 6 * 2, 2), [2, 6, 6, 2]);
    const labels = tf.tensor1d([0, 2], 'int32');
    const step = model.trainStepGradients(images, labels, { samples: 1, noise: Random.fromSeed(4) });
    expect(step.gradients.size).toBe(model.trainableVariables().length);
    for (const [name, gradient] of step.gradients) {
      expect(gradient.dtype, name).toBe('float32');
      expect((await gradient.data()).every(Number.isFinite), name).toBe(true);
    }
    disposeTrainStep(step);
    tf.dispose([images, labels]);
  });
});
