/** ResolvedSpec values built in code, so the model tests need no parser (pieces from test/fixtures/resolved-spec.ts). */
import type { AttentionSpec, BackboneSpec, ResolvedSpec } from '../../src/compiler/spec/resolved-spec.js';
import { bn, conv, defaultAttention, defaultExport, defaultSyntheticData, defaultTrain, pool, relu } from '../fixtures/resolved-spec.js';

export { bn, conv, flatten, gap, linear, pool, relu } from '../fixtures/resolved-spec.js';

/** The attention the model tests use: at stage2, K = 64, c = 0.5. */
export function attention(overrides: Partial<AttentionSpec> = {}, classes = 10): AttentionSpec {
  const latent = overrides.latent ?? 64;
  return { ...defaultAttention('stage2', latent, classes), klScale: 0.5, ...overrides };
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
    data: { ...defaultSyntheticData(1), trainCount: 8, testCount: 8 },
    train: {
      ...defaultTrain,
      epochs: 1,
      batchSize: 4,
      evalBatchSize: 4,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 },
      seed: 1,
      checkpoint: { every: 1, keepBest: false },
    },
    export: defaultExport,
  };
}
