import type { StageCatalog } from './types.js';

/** target diagnostics: codes IB5xxx. Codes are stable: never renumber or reuse one. */
export const targetMessages = {
  onnxOpsetTooLow: {
    code: 'IB5001',
    severity: 'error',
    template: 'ONNX opset {opset} is too old: ibc writes opsets {min} to {max}',
  },
  onnxOpsetTooHigh: {
    code: 'IB5002',
    severity: 'error',
    template: 'ONNX opset {opset} is newer than the bundled {runtime} supports: ibc writes opsets {min} to {max}',
  },
  onnxOpNotExpressible: {
    code: 'IB5003',
    severity: 'error',
    template: "layer '{node}' ({op}) needs the ONNX operator(s) {onnxOps}, which opset {opset} does not have; use --opset {needed} or newer",
  },
  weightsMissingParam: {
    code: 'IB5004',
    severity: 'error',
    template: "the weights have no parameter '{name}' that the model needs",
  },
  weightsShapeMismatch: {
    code: 'IB5005',
    severity: 'error',
    template: "parameter '{name}' has {got} values in the weights but the model needs {want} (shape {shape})",
  },
  weightsSpecMismatch: {
    code: 'IB5006',
    severity: 'error',
    template: "the run in '{dir}' was trained from a different spec (hash {runHash}; this spec's is {specHash}): {differences}. {advice}",
  },
  weightsRunMissing: {
    code: 'IB5007',
    severity: 'error',
    template: "'{dir}' is not a training run directory: {missing} is missing",
  },
  outputWriteFailed: {
    code: 'IB5008',
    severity: 'error',
    template: "cannot write '{path}': {reason}",
  },
  verifyMismatch: {
    code: 'IB5009',
    severity: 'error',
    template:
      'the ONNX model disagrees with the TF.js model: {output} max abs error {error} at batch {batch} exceeds {tolerance} (max |logits| {scale}, max rel error {relative}; float32 rounding grows with the logits\' scale: --tolerance sets the bound)',
  },
  weightsNotFinite: {
    code: 'IB5011',
    severity: 'error',
    template: "parameter '{name}' holds {value} (value {index} of {count}); a model with non-finite weights is not exported. {hint}",
  },
  weightsSpecDiffers: {
    code: 'IB5014',
    severity: 'warning',
    template: "the run in '{dir}' was trained from a spec that differs from this one only in keys that do not change the model: {differences}; its weights are used with this spec's export settings",
  },
  exportOpsetUnsupported: {
    code: 'IB5012',
    severity: 'error',
    template: 'export opset {opset} is not one ibc writes: use {min} to {max} (default {default})',
  },
  compileResolvedSpecJson: {
    code: 'IB5013',
    severity: 'error',
    template: "'{path}' is a run's resolved spec (JSON), not an .ibspec file: pass the run directory instead, as in: ibc compile {dir} --target onnx --out model.onnx",
  },
  onnxLayoutUnsupported: {
    code: 'IB5010',
    severity: 'error',
    template: "layout '{layout}' is not one of nhwc, nchw",
  },
  graphModelOpNotExpressible: {
    code: 'IB5020',
    severity: 'error',
    template: "layer '{node}' ({op}) cannot be exported as a TF.js GraphModel: {reason}",
  },
} as const satisfies StageCatalog;
