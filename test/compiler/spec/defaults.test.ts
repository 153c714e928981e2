/** Looking up a key and its default by dotted path (defaults.ts). */
import { describe, expect, it } from 'vitest';
import { defaultAt, keyAt } from '../../../src/compiler/spec/defaults.js';

describe('keyAt and defaultAt', () => {
  it('find a key through sections and kinds', () => {
    expect(defaultAt('model.attention.beta')).toBe(0.01);
    expect(defaultAt('model.attention.quantize.anchors')).toBe(20);
    expect(defaultAt('data.augment.crop.padding')).toBe(4);
    expect(keyAt('model.attention.kl')?.as).toBe('klForm');
  });

  it('pick a kind by its tag, else the first kind with the key', () => {
    expect(defaultAt('train.optimizer.adam.lr')).toBe(1e-3);
    expect(defaultAt('train.optimizer.lr')).toBe(0.01);
    expect(defaultAt('train.optimizer')).toBe('sgd');
    expect(defaultAt('data.synthetic.train_count')).toBe(512);
  });

  it('say nothing for unknown paths or keys without a default', () => {
    expect(keyAt('model.attention.kl_scal')).toBeUndefined();
    expect(keyAt('model.input.x')).toBeUndefined();
    expect(defaultAt('train.ema')).toBeUndefined();
    expect(keyAt('')?.form).toBe('section');
  });
});
