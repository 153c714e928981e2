import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { WeightEma } from '../../../../src/runtime/engine/executor/ema.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('EMA of weights', () => {
  it('shadow = d * shadow + (1 - d) * w, swapped in for evaluation and back out', async () => {
    const w = { name: 'w', variable: tf.variable(tf.tensor1d([1, 2])) };
    const ema = new WeightEma(0.9, [w]);
    w.variable.assign(tf.tensor1d([2, 4]));
    ema.update(); // 0.9 * [1,2] + 0.1 * [2,4] = [1.1, 2.2]
    w.variable.assign(tf.tensor1d([3, 0]));
    ema.update(); // 0.9 * [1.1,2.2] + 0.1 * [3,0] = [1.29, 1.98]
    const inside = await ema.withAveraged(async () => Array.from(w.variable.dataSync()));
    expect(inside[0]).toBeCloseTo(1.29, 6);
    expect(inside[1]).toBeCloseTo(1.98, 6);
    expect(Array.from(w.variable.dataSync())).toEqual([3, 0]);

    const state = ema.getState();
    const other = new WeightEma(0.9, [w]);
    other.setState(state);
    const restored = await other.withAveraged(async () => Array.from(w.variable.dataSync()));
    expect(restored).toEqual(inside);
  });
});
