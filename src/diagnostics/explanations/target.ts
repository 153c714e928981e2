import type { targetMessages } from '../catalog/target.js';
import type { Explanation } from './types.js';

/** Explanations of the target diagnostics (IB5xxx): ONNX and TF.js exports. */
export const targetExplanations = {
  onnxOpsetTooLow: {
    explanation: 'ibc writes ONNX from opset 13 on: older opsets lack operator forms the lowerings use.',
    example: 'ibc compile spec.ibspec --target onnx --out m.onnx --opset 11',
    fix: 'Use opset 13 or newer (the default is 17, which torch.onnx also defaults to).',
  },
  onnxOpsetTooHigh: {
    explanation: 'ibc writes opsets up to the newest the bundled onnxruntime runs, so every export can be verified.',
    example: '--opset 40',
    fix: 'Use an opset in the range the message gives.',
  },
  onnxOpNotExpressible: {
    explanation: 'A layer needs an ONNX operator that the chosen opset does not have yet (for example Gelu, from opset 20).',
    example: 'gelu in a model exported with --opset 17',
    fix: 'Use the opset the message names, or a layer the older opset has.',
  },
  weightsMissingParam: {
    explanation: 'The weights given have no value for a parameter the model needs: they belong to another model.',
    example: 'A TF.js artifact compiled from another spec loaded for this one.',
    fix: 'Use weights written for this spec.',
  },
  weightsShapeMismatch: {
    explanation: 'A parameter has a different number of values in the weights than the model needs: another architecture wrote them.',
    example: 'Weights of a model with conv 64 loaded into one with conv 32.',
    fix: 'Use weights written for this spec.',
  },
  weightsSpecMismatch: {
    explanation: 'compile --weights RUN_DIR uses a run\'s weights with the current spec. The spec has changed since the run in keys that change the model (its layers, sizes, or input normalisation), so the weights do not fit it. The message lists each key with its old and new value and whether it changes the model.',
    example: 'ibc train spec.ibspec --out runs/a\n# edit model.attention.latent 64 -> 128\nibc compile spec.ibspec --weights runs/a --target onnx --out a.onnx',
    fix: 'Export the run as it was trained: ibc compile runs/a --target onnx --out a.onnx (the run directory holds its own spec). Or undo the edits.',
  },
  weightsRunMissing: {
    explanation: 'The folder given as a run has no checkpoint or resolved spec: it is not a run directory written by ibc train.',
    example: 'ibc compile spec.ibspec --weights runs/   # the folder of runs, not one run',
    fix: 'Pass one run directory: --weights runs/fashion-20260101-120000.',
  },
  outputWriteFailed: {
    explanation: 'The output file or folder could not be written (permissions, a file where a folder is needed, a full disk).',
    example: '--out /proc/model.onnx',
    fix: 'Choose a writable path.',
  },
  verifyMismatch: {
    explanation: '--verify ran the ONNX file in onnxruntime and the TF.js model on the same inputs; the logits differ by more than the tolerance. Float32 rounding grows with the logits\' scale, which the message gives.',
    example: 'ibc compile spec.ibspec --target onnx --out m.onnx --verify --tolerance 1e-12',
    fix: 'If the error is rounding-sized for the scale shown, raise --tolerance; otherwise report it as a bug.',
  },
  onnxLayoutUnsupported: {
    explanation: 'ONNX exports take images in NHWC (as training fed them) or NCHW (as most ONNX tools expect).',
    example: 'export {\n  layout hwc\n}',
    fix: 'Use layout nhwc or nchw.',
  },
  weightsSpecDiffers: {
    explanation: 'The run\'s spec and the current one differ only in keys that do not change the model (training length, schedule, data paths, ...), so the run\'s weights fit and are used. The artifact records the run\'s spec hash.',
    example: 'ibc train spec.ibspec --out runs/a\n# edit train.epochs 3 -> 30\nibc compile spec.ibspec --weights runs/a --target onnx --out a.onnx',
    fix: 'Nothing is wrong. To export exactly what the run used: ibc compile runs/a --target onnx --out a.onnx.',
  },
  exportOpsetUnsupported: {
    explanation: 'export.opset is checked against the opsets the ONNX exporter writes, so a spec that cannot be exported fails in ibc check rather than at compile time.',
    example: 'export {\n  opset 7\n}',
    fix: 'Use an opset in the range the message gives, or leave it out for the default.',
  },
  compileResolvedSpecJson: {
    explanation: "resolved-spec.json is a run's record of its spec with every default filled in; it is JSON, not .ibspec text, and its weights live next to it. ibc compile takes the run directory itself.",
    example: 'ibc compile runs/a/resolved-spec.json --target onnx --out a.onnx',
    fix: 'Pass the run directory: ibc compile runs/a --target onnx --out a.onnx.',
  },
  graphModelOpNotExpressible: {
    explanation: 'The TF.js GraphModel target (--target tfjs or web) writes TensorFlow ops that TF.js\'s graph executor runs; this layer has no such form (the reason says why).',
    example: 'ibc compile spec.ibspec --target tfjs --out model/   # with a layer the GraphModel emitter does not cover',
    fix: 'Use --target ibc-runtime or onnx for this model, or a layer the GraphModel target supports.',
  },
  weightsNotFinite: {
    explanation: 'A parameter holds NaN or an infinity, from a run whose training diverged. Such a model computes nothing useful, so it is not exported.',
    example: 'ibc compile runs/diverged --target onnx --out m.onnx',
    fix: 'Export an earlier or the best checkpoint, or retrain with a smaller learning rate.',
  },
} as const satisfies Record<keyof typeof targetMessages, Explanation>;
