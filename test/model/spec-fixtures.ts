/** ResolvedSpec values built in code, so the model tests need no parser. */
import type { AttentionSpec, BackboneSpec, LayerSpec, ResolvedSpec } from '../../src/compiler/spec/resolved-spec.js';

export const conv = (filters: number, extra: Partial<Extract<LayerSpec, { type: 'conv' }>> = {}): LayerSpec => ({
  type: 'conv',
  filters,
  kernel: [3, 3],
  stride: [1, 1],
  padding: 'same',
  dilation: [1, 1],
  bias: true,
  ...extra,
});
export const bn: LayerSpec = { type: 'batchnorm', epsilon: 1e-5, momentum: 0.1 };
export const relu: LayerSpec = { type: 'relu' };
export const flatten: LayerSpec = { type: 'flatten' };
export const pool = (s: number): LayerSpec => ({ type: 'maxpool', size: [s, s], stride: [s, s], padding: 'valid' });
export const linear = (units: number, bias = true): LayerSpec => ({ type: 'linear', units, bias });
export const gap: LayerSpec = { type: 'global_avgpool' };

export function attention(overrides: Partial<AttentionSpec> = {}, classes = 10): AttentionSpec {
  const latent = overrides.latent ?? 64;
  return {
    at: 'stage2',
    head: [conv(1)],
    stdHead: { kernel: 3, offset: -5 },
    latent,
    encoderHead: [],
    latentStdOffset: -5,
    beta: 0.01,
    klForm: 'standard',
    klScale: 0.5,
    samples: { train: 1, eval: 4 },
    decoder: [linear(latent), relu, linear(classes)],
    ...overrides,
  };
}

export const smallBackbone: BackboneSpec = {
  kind: 'custom',
  stages: [
    { name: 'stage1', layers: [conv(8), bn, relu, pool(2)] },
    { name: 'stage2', layers: [conv(16), bn, relu, pool(2)] },
    { name: 'stage3', layers: [conv(32), bn, relu, pool(7)] },
  ],
};

export function makeSpec(model: Partial<ResolvedSpec['model']> = {}, name = 'test'): ResolvedSpec {
  return {
    name,
    model: {
      input: [28, 28, 1],
      classes: 10,
      init: 'he',
      backbone: smallBackbone,
      ...model,
    },
    data: { kind: 'synthetic', trainCount: 8, testCount: 8, validation: 0, augment: { flip: 'none' }, normalize: { mean: [0], std: [1] } },
    train: {
      epochs: 1,
      batchSize: 4,
      evalBatchSize: 4,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 },
      schedule: { kind: 'constant' },
      seed: 1,
      checkpoint: { every: 1, keepBest: false },
    },
    export: { dynamicBatch: true, layout: 'nhwc' },
  };
}
