import type { StageCatalog } from './types.js';

/** shape diagnostics: codes IB4xxx. Codes are stable: never renumber or reuse one. */
export const shapeMessages = {
  /** A layer cannot be applied to the shape it receives; {detail} carries the arithmetic. */
  layerShape: { code: 'IB4001', severity: 'error', template: "{layer}: {detail}" },
  // IB4002 (an unknown insertion point) is retired: that mistake is IB3301 wherever it is found.
  insertionNotMap: {
    code: 'IB4003',
    severity: 'error',
    template: "attention at '{at}' needs a feature map [h, w, c], but that stage yields {shape}",
  },
  attentionHeadChannels: {
    code: 'IB4004',
    severity: 'error',
    template: 'the attention head must end with 1 channel (the map), but it yields {shape}; end the head with a conv of 1 filter',
  },
  mapSizeMismatch: {
    code: 'IB4005',
    severity: 'error',
    template: "the map is {expected} but {actual}",
  },
  decoderOutput: {
    code: 'IB4006',
    severity: 'error',
    template: 'the decoder outputs {shape} but the model has {classes} classes; end the decoder with linear {classes}',
  },
  classifierOutput: {
    code: 'IB4007',
    severity: 'error',
    template: 'the classifier outputs {shape} but the model has {classes} classes; end the classifier with linear {classes}',
  },
  encoderNotFlat: {
    code: 'IB4008',
    severity: 'error',
    template: "the encoder head yields the map {shape}, but the latent layer (linear {units}) needs a flat vector; end encoder_head with 'flatten' or a pooling layer",
  },
  missingClassifierOrAttention: {
    code: 'IB4009',
    severity: 'error',
    template: 'the backbone output {shape} is not a vector of {classes} logits; add a classifier or an attention module',
  },
  // Resources (IB41xx): what a model costs, checked before anything is allocated.
  resourceTensorTooLarge: { code: 'IB4101', severity: 'error', template: "the {what} '{name}' would hold {elements} values ({total}); one tensor holds at most {limit}" },
  resourceMemory: { code: 'IB4102', severity: 'error', template: '{phase} needs about {needed} of memory ({params}; {activations}) but {available}; make the model, the batch or the sample count smaller' },
  resourceMemoryWarning: { code: 'IB4104', severity: 'warning', template: "{phase} needs about {needed} of memory ({params}; {activations}) but {available}; 'ibc train' will refuse to start here" },
  resourceSlowStep: { code: 'IB4103', severity: 'warning', template: 'one training step is about {flops} floating-point operations (batch {batch}): roughly {minutes} minutes per step at 200 GFLOP/s' },
} as const satisfies StageCatalog;
