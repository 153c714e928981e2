/** The tiny synthetic spec (specs/test/tiny-aib-qt.ibspec) built in code, so trainer tests need no compiler front end. */
import type { ResolvedSpec, TrainSpec } from '../../src/compiler/spec/resolved-spec.js';
import type { ModelIR } from '../../src/compiler/ir/ir.js';
import { buildModel } from '../../src/compiler/model/build-model.js';
import { bn, conv, linear, pool as poolOf, relu } from '../fixtures/resolved-spec.js';

const pool = poolOf(2);

export interface TinyOptions {
  readonly quantize?: boolean;
  readonly attention?: boolean;
  readonly samples?: { train: number; eval: number };
  readonly train?: Partial<TrainSpec>;
  readonly validation?: number;
  readonly trainCount?: number;
}

export function tinySpec(options: TinyOptions = {}): ResolvedSpec {
  const attention = options.attention ?? true;
  return {
    name: 'tiny-aib-qt',
    model: {
      input: [12, 12, 1],
      classes: 4,
      init: 'he',
      backbone: {
        kind: 'custom',
        stages: [
          { name: 'stage1', layers: [conv(8), bn, relu] },
          { name: 'stage2', layers: [pool, conv(16), bn, relu, pool] },
        ],
      },
      ...(attention
        ? {
            attention: {
              at: 'stage1',
              head: [conv(1)],
              stdHead: { kernel: 3, offset: -5 },
              latent: 16,
              encoderHead: [{ type: 'flatten' }],
              latentStdOffset: -5,
              beta: 0.001,
              klForm: 'standard',
              klScale: 1,
              samples: options.samples ?? { train: 1, eval: 0 },
              decoder: [linear(16), relu, linear(4)],
              ...(options.quantize ?? true
                ? { quantize: { anchors: 8, init: { kind: 'linspace', low: 0, high: 1 }, trainable: true, lrScale: 1, vqWeight: 0.4, commitWeight: 0.1 } }
                : {}),
            },
          }
        : { classifier: [{ type: 'flatten' }, linear(4)] }),
    },
    data: {
      kind: 'synthetic',
      trainCount: options.trainCount ?? 512,
      testCount: 256,
      validation: options.validation ?? 0.125,
      augment: { flip: 'none' },
      normalize: { mean: [0.3], std: [0.3] },
    },
    train: {
      epochs: 3,
      batchSize: 32,
      evalBatchSize: 128,
      optimizer: { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
      schedule: { kind: 'constant' },
      seed: 1,
      checkpoint: { every: 1, keepBest: true },
      ...options.train,
    },
    export: { dynamicBatch: true, layout: 'nhwc' },
  };
}

export function tinyModel(spec: ResolvedSpec): ModelIR {
  const built = buildModel(spec);
  if (!built.value) throw new Error(`tiny spec does not build: ${built.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return built.value;
}
