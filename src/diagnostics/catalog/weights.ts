import type { StageCatalog } from './types.js';

/**
 * Pretrained weights (`backbone ... weights="..."`, compiler/pretrained/): codes
 * IB3400-IB3449 for what `ibc check` finds, IB6500-IB6599 for what happens while a
 * run loads, resumes or exports them. Codes are stable: never renumber or reuse one.
 */
export const weightsMessages = {
  weightsUnreadable: { code: 'IB3400', severity: 'error', template: "cannot use the weights file '{path}': {reason}" },
  weightsShapeMismatch: { code: 'IB3401', severity: 'error', template: "tensor '{source}' is [{found}] but '{param}' needs [{expected}] ({layout})" },
  weightsMissing: { code: 'IB3402', severity: 'error', template: "{count} of the trunk's {total} parameters have no tensor in {file}: {list}{hint}" },
  weightsUnexpected: { code: 'IB3403', severity: 'error', template: '{count} tensors of {file} have no place in the trunk: {list}{hint}' },
  weightsMissingAllowed: { code: 'IB3404', severity: 'warning', template: "{count} of the trunk's {total} parameters have no tensor in {file} and keep their random initial values (strict=false): {list}" },
  weightsUnexpectedAllowed: { code: 'IB3405', severity: 'warning', template: '{count} tensors of {file} have no place in the trunk and are ignored (strict=false): {list}' },
  weightsNotFloat: { code: 'IB3406', severity: 'error', template: "tensor '{source}' holds {dtype} values, not floating point: it cannot feed '{param}'" },
  weightsLoaded: { code: 'IB3407', severity: 'info', template: 'trunk from {file}: {loaded} of {total} parameters ({values} values){converted}; {ignored}; random initial values: {random}' },
  weightsStrictUnused: { code: 'IB3408', severity: 'warning', template: 'strict={value} has no effect without weights="..."' },

  weightsReadFailed: { code: 'IB6500', severity: 'error', template: "cannot load the weights file '{path}': {reason}" },
  weightsChangedOnResume: { code: 'IB6501', severity: 'error', template: "the run at '{dir}' started from the weights file '{path}' ({size} bytes, sha256 {was}), but {now}: resuming would continue from other weights than the run began with" },
} satisfies StageCatalog;
