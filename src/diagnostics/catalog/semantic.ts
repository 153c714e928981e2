import type { StageCatalog } from './types.js';

/**
 * semantic diagnostics: codes IB3xxx. Codes are stable: never renumber or reuse one.
 *   IB30xx  document (from-ast.ts): unknown or misplaced sections, keys, options, layers; duplicates
 *   IB31xx  extends
 *   IB32xx  sweep
 *   IB33xx  checks on the resolved spec (names, ranges, incompatible settings)
 *   IB350x  command-line sweeps (command-line-sweep.ts)
 *   IB3550-IB3599  the trainer's controls: clipping, warm-up, early stopping
 */
export const semanticMessages = {
  unknownSection: { code: 'IB3001', severity: 'error', template: "unknown section '{name}'" },
  unknownKey: { code: 'IB3002', severity: 'error', template: "unknown key '{name}' in {where}" },
  unknownLayer: { code: 'IB3003', severity: 'error', template: "unknown layer type '{name}'" },
  unknownOption: { code: 'IB3004', severity: 'error', template: "unknown option '{name}' for '{statement}'" },
  duplicateKey: { code: 'IB3005', severity: 'error', template: "'{name}' is set twice in {where}" },
  duplicateOption: { code: 'IB3006', severity: 'error', template: "option '{name}' is given twice" },
  tooManyValues: { code: 'IB3007', severity: 'error', template: "'{statement}' takes {expected}, got {actual}" },
  unexpectedBlock: { code: 'IB3008', severity: 'error', template: "'{statement}' takes no block" },
  missingBlock: { code: 'IB3009', severity: 'error', template: "'{statement}' needs a block: {statement} { ... }" },
  extendsNotFirst: { code: 'IB3010', severity: 'error', template: "'extends' must be the first statement of the file" },
  dottedKeyNotAllowed: { code: 'IB3011', severity: 'error', template: "dotted key '{name}' is only allowed at the top level or in 'sweep'" },
  invalidRepeat: { code: 'IB3012', severity: 'error', template: "'repeat' needs a whole number of times ≥ 1 and a block of layers: repeat 3 { ... }" },
  unknownPath: { code: 'IB3013', severity: 'error', template: "unknown key '{name}' in path '{path}'" },
  pathNotAValue: { code: 'IB3014', severity: 'error', template: "'{path}' is not a single value that can be overridden (name one of its keys instead)" },
  missingValue: { code: 'IB3015', severity: 'error', template: "'{statement}' needs a value" },
  optionsNotAllowed: { code: 'IB3016', severity: 'error', template: "'{statement}' takes no options" },
  tooManyLayers: { code: 'IB3018', severity: 'error', template: 'this block holds more than {limit} layers (repeats expanded; nested repeats multiply); a model that deep cannot be trained here' },
  unexpectedArguments: { code: 'IB3017', severity: 'error', template: "'{statement}' takes no values before its block" },

  extendsMissingFile: { code: 'IB3101', severity: 'error', template: "cannot read the base spec '{path}'" },
  extendsCycle: { code: 'IB3102', severity: 'error', template: 'extends cycle: {chain}' },
  extendsNotString: { code: 'IB3103', severity: 'error', template: 'extends needs one quoted file name: extends "base.ibspec"' },
  missingFile: { code: 'IB3104', severity: 'error', template: "cannot read '{path}': no such file, or not a readable file" },
  specNotAFile: { code: 'IB3106', severity: 'error', template: "will not read '{path}': {reason}" },
  notUtf8: { code: 'IB3105', severity: 'error', template: "'{path}' is not UTF-8 text" },

  malformedSweepEntry: { code: 'IB3201', severity: 'error', template: 'a sweep entry is `path in [value, ...]`, e.g. model.attention.beta in [0.001, 0.01]' },
  emptySweep: { code: 'IB3202', severity: 'error', template: "sweep values for '{path}' are empty" },
  duplicateSweepPath: { code: 'IB3203', severity: 'error', template: "'{path}' is swept twice" },
  sweepTooLarge: { code: 'IB3204', severity: 'error', template: 'the sweep has {count} members; at most {limit} are allowed' },
  duplicateSweepValue: { code: 'IB3205', severity: 'warning', template: "value {value} appears twice in the sweep of '{path}'" },
  malformedZip: { code: 'IB3206', severity: 'error', template: 'zip pairs sweep lists value by value and needs a block of entries: zip { model.attention.beta in [0.1, 0.01]; train.optimizer.lr in [0.05, 0.01] }' },
  zipLengthMismatch: { code: 'IB3207', severity: 'error', template: "zipped lists must be equally long: '{path}' has {count} values, '{first}' has {expected}" },
  invalidSeeds: { code: 'IB3208', severity: 'error', template: "'seeds' needs a whole number from 1 to {limit}: seeds 3 runs every member with train.seed, train.seed + 1 and train.seed + 2" },
  malformedOverride: { code: 'IB3209', severity: 'error', template: 'a command-line override is PATH=VALUE (e.g. model.attention.beta=0.1); {reason}' },
  overrideOfSweptPath: { code: 'IB3210', severity: 'info', template: "the spec sweeps '{path}' over {was}; the command line sets {now} instead" },
  malformedSlurm: { code: 'IB3212', severity: 'error', template: 'slurm takes options only: slurm partition=gpu time="4:00:00" mem="16G" cpus_per_task=8 gpus_per_task=1 sbatch=["--account=lab"]' },
  duplicateOverride: { code: 'IB3211', severity: 'error', template: "'{path}' is overridden twice on the command line" },

  insertionPointNotAStage: { code: 'IB3301', severity: 'error', template: "unknown insertion point '{name}': the backbone's stages are {stages}" },
  duplicateStageName: { code: 'IB3302', severity: 'error', template: "stage name '{name}' is used twice" },
  duplicateLayerName: { code: 'IB3303', severity: 'error', template: "layer name '{name}' is used twice in {where}" },
  wrnDepth: { code: 'IB3304', severity: 'error', template: 'wrn depth must be 6n+4 (10, 16, 22, 28, 40, ...), got {depth}' },
  nesterovWithoutMomentum: { code: 'IB3305', severity: 'error', template: 'nesterov needs momentum > 0' },
  classifierWithAttention: { code: 'IB3306', severity: 'error', template: "'classifier' is for baselines without attention; with attention the decoder produces the logits" },
  decoderNotEndingInClasses: { code: 'IB3307', severity: 'error', template: 'the decoder must end with linear {classes} (the number of classes), but its last layer is {last}' },
  classifierNotEndingInClasses: { code: 'IB3308', severity: 'error', template: 'the classifier must end with linear {classes} (the number of classes), but its last layer is {last}' },
  normalizeLength: { code: 'IB3309', severity: 'error', template: 'normalize {which} has {count} values but the input has {channels} channel(s)' },
  normalizeStdZero: { code: 'IB3310', severity: 'error', template: 'normalize std must be > 0, got {value}' },
  randomResizedCropNeedsFolder: { code: 'IB3600', severity: 'error', template: "random_resized_crop needs folder data (images stored apart from the input size); 'data {kind}' holds images at the input size: use crop padding=N there" },
  cropAndResizedCrop: { code: 'IB3601', severity: 'error', template: 'crop and random_resized_crop are two ways to take the training crop; give one of them' },
  resizedCropRange: { code: 'IB3602', severity: 'error', template: 'random_resized_crop {which}=[{low}, {high}] is an empty range: give the low value first' },
  cropWithoutPadding: { code: 'IB3311', severity: 'warning', template: 'crop with padding 0 never moves the image (the images are already the input size); give padding=4 or drop crop' },
  warmupLongerThanTraining: { code: 'IB3312', severity: 'warning', template: 'warm-up lists {count} epochs but training has only {epochs}' },
  milestonesNotIncreasing: { code: 'IB3313', severity: 'error', template: 'schedule milestones must be strictly increasing: {milestones}' },
  milestoneBeyondTraining: { code: 'IB3314', severity: 'warning', template: 'milestone {milestone} is at or after the last epoch ({epochs}); it never applies' },
  quantizeRangeEmpty: { code: 'IB3316', severity: 'error', template: 'quantize init needs low < high, got low={low} high={high}' },
  lrScaleOnFrozenAnchors: { code: 'IB3317', severity: 'warning', template: 'lr_scale has no effect when anchors are not trainable' },
  kernelEven: { code: 'IB3319', severity: 'warning', template: "std_head kernel {kernel} is even: 'same' padding will be asymmetric" },
  emptyStage: { code: 'IB3321', severity: 'error', template: "stage '{name}' has no layers" },
  classNamesCount: { code: 'IB3331', severity: 'error', template: 'class_names lists {count} names but the model has {classes} classes' },
  clutterCanvasMismatch: { code: 'IB3330', severity: 'error', template: 'the clutter canvas is {canvas}x{canvas} but the model input is {input}: they must be the same size' },
  batchLargerThanData: { code: 'IB3326', severity: 'warning', template: 'batch {batch} is larger than the {count} training examples' },
  // ---------------------------------------------------------------- values that can only be wrong (IB3450-IB3499)
  controlCharacter: { code: 'IB3451', severity: 'error', template: '{key} is {value}: {problem}; no value of a spec may hold a control character (a newline, a tab, NUL, an escape)' },
  slurmValueInvalid: { code: 'IB3452', severity: 'error', template: 'slurm {option}={value} is refused: {problem}' },
  slurmSbatchRefused: { code: 'IB3453', severity: 'error', template: 'slurm sbatch option {value} is refused: {problem}' },
  sweepMemberCollision: { code: 'IB3454', severity: 'error', template: "sweep members '{first}' and '{second}' would share the run folder '{stem}'; give their values distinct labels (nothing was run)" },
  sweepSeedsOverflow: { code: 'IB3455', severity: 'error', template: 'seeds {count} from train.seed {base} goes past {max}, the largest seed (seeds are 32-bit: a larger one repeats a smaller one\'s run)' },
  resourceSyntheticData: { code: 'IB3456', severity: 'error', template: 'the synthetic data set would hold {images} images of {perImage} values, {values} values to generate, more than the {limit} of a generated test task; use at most {fit} images in all (train_count + test_count), or real data' },
  extendsNotSpec: { code: 'IB3450', severity: 'error', template: "will not read '{path}' as a base spec: {why}; extends names .ibspec files only" },
  dataPathNotFound: { code: 'IB3327', severity: 'warning', template: "{what} '{path}' does not exist: ibc train would stop here" },

  overrideListOutsideSweep: { code: 'IB3500', severity: 'error', template: "'{path}' is given {count} values: a list of values on the command line is a sweep (ibc sweep SPEC {text} runs one member per value); give one value here" },
  // IB3400-IB3449: a backbone's weights="..." file matched to the trunk (compiler/pretrained/plan.ts)
  pretrainedUnreadable: { code: 'IB3400', severity: 'error', template: "cannot use the weights file '{path}': {reason}" },
  pretrainedShapeMismatch: { code: 'IB3401', severity: 'error', template: "tensor '{source}' is [{found}] but '{param}' needs [{expected}] ({layout})" },
  pretrainedMissing: { code: 'IB3402', severity: 'error', template: "{count} of the trunk's {total} parameters have no tensor in {file}: {list}{hint}" },
  pretrainedUnexpected: { code: 'IB3403', severity: 'error', template: '{count} tensors of {file} have no place in the trunk: {list}{hint}' },
  pretrainedMissingAllowed: { code: 'IB3404', severity: 'warning', template: "{count} of the trunk's {total} parameters have no tensor in {file} and keep their random initial values (strict=false): {list}" },
  pretrainedUnexpectedAllowed: { code: 'IB3405', severity: 'warning', template: '{count} tensors of {file} have no place in the trunk and are ignored (strict=false): {list}' },
  pretrainedNotFloat: { code: 'IB3406', severity: 'error', template: "tensor '{source}' holds {dtype} values, not floating point: it cannot feed '{param}'" },
  pretrainedLoaded: { code: 'IB3407', severity: 'info', template: 'trunk from {file}: {loaded} of {total} parameters ({values} values){converted}; {ignored}; random initial values: {random}' },
  pretrainedStrictUnused: { code: 'IB3408', severity: 'warning', template: 'strict={value} has no effect without weights="..."' },

  // IB3409-IB3449: fine-tuning: frozen stages and learning-rate groups (compiler/network/training-groups.ts)
  frozenStageUnknown: { code: 'IB3409', severity: 'error', template: "cannot freeze '{name}': the backbone's stages are {stages}" },
  frozenStageTwice: { code: 'IB3410', severity: 'warning', template: "stage '{name}' is listed twice in freeze=[...]" },
  // IB3550-IB3599: the trainer's controls (train.clip, train.warmup, train.early_stop)
  clipBoth: { code: 'IB3550', severity: 'error', template: 'clip takes norm= or value=, not both: choose one way to clip the gradients' },
  clipNeither: { code: 'IB3553', severity: 'error', template: 'clip needs norm= (largest global gradient norm) or value= (largest gradient value)' },
  earlyStopWithoutValidation: { code: 'IB3551', severity: 'error', template: "early_stop watches {metric}, but the data has no validation split: add 'validation 0.1' to the data section" },
  warmupBoth: { code: 'IB3552', severity: 'error', template: 'warmup takes steps= (a linear ramp) or a list of rates (lrs=[...]), not both' },
  warmupNeither: { code: 'IB3554', severity: 'error', template: 'warmup needs steps=N (a linear ramp over N steps) or a list of rates, e.g. warmup [0.01]' },
} as const satisfies StageCatalog;
