/**
 * Every default of the language, in one place: `resolve.ts` fills them in and
 * the JSON Schema shows them as `default` annotations. Defaults that depend on
 * other values (init from the backbone, the decoder from K and the classes,
 * normalisation from the channel count) are computed in resolve.ts.
 */
export const DEFAULTS = {
  layer: {
    conv: { kernel: 3, stride: 1, padding: 'same', dilation: 1, bias: true },
    batchnorm: { epsilon: 1e-5, momentum: 0.1 },
    leakyReluAlpha: 0.01,
    pool: { padding: 'valid' },
    basicBlock: { stride: 1, preact: false, dropout: 0 },
    bottleneck: { stride: 1, expansion: 4, width: 1 },
    linear: { bias: true },
  },
  wrn: { depth: 28, widen: 10, dropout: 0.3 },
  attention: {
    stdHead: { kernel: 3, offset: -5 },
    latent: 256,
    latentStdOffset: -5,
    beta: 0.01,
    kl: 'standard',
    klScale: 1,
    samples: { train: 1, eval: 4 },
  },
  quantize: {
    anchors: 20,
    init: { kind: 'linspace', low: 0, high: 1 },
    randomSeed: 0,
    trainable: true,
    lrScale: 1,
    vqWeight: 0.4,
    commitWeight: 0.1,
  },
  data: {
    validation: 0,
    crop: { padding: 4, mode: 'reflect' },
    flip: 'none',
    synthetic: { trainCount: 512, testCount: 256 },
    clutter: { pieces: 8, pieceSize: 8, seed: 0 },
  },
  train: {
    epochs: 10,
    batch: 64,
    sgd: { lr: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0 },
    adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    schedule: { gamma: 0.1, every: 1, minLr: 0 },
    seed: 0,
    checkpoint: { every: 1, keepBest: true },
  },
  export: { dynamicBatch: true, layout: 'nhwc' },
} as const;
