import type { StageCatalog } from './types.js';

/**
 * runtime diagnostics: codes IB6xxx. Codes are stable: never renumber or reuse one.
 *
 * Ranges: IB6000-IB6099 data (names `data*`), IB6100-IB6149 checkpoints
 * (`checkpoint*`), IB6150-IB6199 attention images (`image*`), IB6200-IB6299 the
 * run directory (`runDir*`). IB6300 and up: other runtime parts, with their own prefixes.
 */
export const runtimeMessages = {
  // ---------------------------------------------------------------- data files
  dataPathMissing: { code: 'IB6000', severity: 'error', template: "{what} '{path}' does not exist" },
  dataReadFailed: { code: 'IB6001', severity: 'error', template: "cannot read '{path}': {reason}" },
  dataGzipFailed: { code: 'IB6002', severity: 'error', template: "'{path}' starts like a gzip file but cannot be decompressed: {reason}" },
  dataIdxBadMagic: { code: 'IB6003', severity: 'error', template: "'{path}' is not an IDX {kind} file: {actual}, expected the magic number {expected}" },
  dataIdxBadHeader: { code: 'IB6004', severity: 'error', template: "'{path}' has a malformed IDX header: {detail}" },
  dataTruncated: { code: 'IB6005', severity: 'error', template: "'{path}' is truncated: expected {expected} bytes ({detail}), found {actual}" },
  dataTrailingBytes: { code: 'IB6006', severity: 'error', template: "'{path}' is longer than its header says: expected {expected} bytes ({detail}), found {actual}" },
  dataCountMismatch: { code: 'IB6007', severity: 'error', template: "'{images}' holds {imageCount} images but '{labels}' holds {labelCount} labels; they must match" },
  dataShapeMismatch: { code: 'IB6008', severity: 'error', template: "the images in '{path}' are {actual} (height x width x channels) but the model input is {expected}" },
  dataLabelOutOfRange: { code: 'IB6009', severity: 'error', template: "'{path}': label {label} of example {index} is outside 0..{max} (the model has {classes} classes)" },
  dataCifarBadSize: { code: 'IB6010', severity: 'error', template: "'{path}' is {actual} bytes, which is not a whole, non-zero number of {recordSize}-byte {kind} records (a full file is {fullSize} bytes)" },
  dataFolderNoClasses: { code: 'IB6011', severity: 'error', template: "'{path}' has no class subfolders; expected one subfolder of images per class" },
  dataFolderEmptyClass: { code: 'IB6012', severity: 'error', template: "class folder '{path}' holds no .png, .jpg, .jpeg or .webp images" },
  dataFolderUnknownClass: { code: 'IB6013', severity: 'error', template: "test class folder '{path}' has no matching class folder in the training folder '{train}'" },
  dataImageDecodeFailed: { code: 'IB6014', severity: 'error', template: "cannot decode image '{path}': {reason}" },
  dataResizeTooSmall: { code: 'IB6015', severity: 'error', template: "'{path}': resizing the shorter side to {resize} gives {actual}, smaller than the {expected} crop the model input needs" },
  dataNormalizeChannels: { code: 'IB6016', severity: 'error', template: "normalize gives {given} {which} value(s) but the images have {channels} channel(s); give 1 or {channels}" },
  dataNormalizeZeroStd: { code: 'IB6017', severity: 'error', template: 'normalize std must be positive, got {value} for channel {channel}' },
  dataValidationTooLarge: { code: 'IB6018', severity: 'error', template: 'validation fraction {fraction} of {count} training examples leaves {left} for training' },
  dataEmptySplit: { code: 'IB6019', severity: 'error', template: "the {split} set from '{path}' holds no examples" },
  dataCropTooLarge: { code: 'IB6020', severity: 'error', template: 'augment crop padding {padding} with mode {mode} needs images larger than {limit} pixels on each side, but they are {height}x{width}' },
  dataClassesMismatch: { code: 'IB6021', severity: 'error', template: "'{path}' has {found} classes but the model has {classes}" },
  dataClutterMismatch: { code: 'IB6030', severity: 'error', template: "cannot clutter the images of '{path}': {detail}" },
  dataCubMalformed: { code: 'IB6031', severity: 'error', template: "'{path}' line {line}: {detail}" },
  // ---------------------------------------------------------------- image folders: decoder, cache, memory (IB6040-IB6099)
  dataDecoderUnavailable: { code: 'IB6040', severity: 'error', template: 'cannot start the image decoder (sharp): {reason}. Reinstall ibc with npm ci on this platform' },
  dataCacheWriteFailed: { code: 'IB6041', severity: 'error', template: "cannot write the image cache at '{path}': {reason}. Point it elsewhere with --data-cache DIR (or IBC_CACHE_DIR), or turn it off with --data-cache off" },
  dataCacheUnreadable: { code: 'IB6042', severity: 'error', template: "cannot read the image cache file '{path}': {reason}. Delete the cache folder it is in; it is rebuilt on the next run" },
  dataTooLargeWithoutCache: { code: 'IB6043', severity: 'error', template: 'the {what} take {size} decoded, more than the memory budget of {budget}, and the image cache is off: streaming needs the cache. Turn the cache on (--data-cache DIR) or raise --data-memory' },
  dataImagesSkipped: { code: 'IB6044', severity: 'warning', template: '{count} image file(s) could not be used and were skipped ({where}); the first: {first}' },

  // ---------------------------------------------------------------- checkpoints
  checkpointMissing: { code: 'IB6100', severity: 'error', template: "checkpoint '{path}' does not exist" },
  checkpointReadFailed: { code: 'IB6101', severity: 'error', template: "cannot read checkpoint '{path}': {reason}" },
  checkpointBadMagic: { code: 'IB6102', severity: 'error', template: "'{path}' is not an ibc checkpoint: it does not start with the magic \"IBCK\" ({actual})" },
  checkpointTruncated: { code: 'IB6103', severity: 'error', template: "checkpoint '{path}' is truncated: expected {expected} bytes, found {actual}" },
  checkpointChecksumMismatch: { code: 'IB6104', severity: 'error', template: "checkpoint '{path}' is corrupt: its checksum does not match its contents (stored {expected}, computed {actual})" },
  checkpointFutureVersion: { code: 'IB6105', severity: 'error', template: "checkpoint '{path}' has format version {version}, newer than the {supported} this ibc reads; upgrade ibc" },
  checkpointMalformed: { code: 'IB6106', severity: 'error', template: "checkpoint '{path}' is corrupt: {detail}" },
  checkpointWriteFailed: { code: 'IB6107', severity: 'error', template: "cannot write '{path}': {reason}" },

  // ---------------------------------------------------------------- attention images
  imageWriteFailed: { code: 'IB6150', severity: 'error', template: "cannot write image '{path}': {reason}" },
  imageFontMissing: { code: 'IB6160', severity: 'error', template: "attention figures need the DejaVu Sans font ({path}); install Debian's fonts-dejavu-core" },
  imageClearFailed: { code: 'IB6161', severity: 'error', template: "cannot remove the earlier attention image '{path}': {reason}" },

  // ---------------------------------------------------------------- run directory
  runDirEscape: { code: 'IB6200', severity: 'error', template: "path '{path}' would be outside the run directory '{runDir}': {reason}" },
  runDirCreateFailed: { code: 'IB6201', severity: 'error', template: "cannot create run directory '{path}': {reason}" },
  runDirWriteFailed: { code: 'IB6202', severity: 'error', template: "cannot write '{path}' in the run directory: {reason}" },
  runDirHoldsRun: { code: 'IB6205', severity: 'error', template: "'{path}' already holds a run ({evidence}); ibc train never overwrites one. Continue it with --resume {path}, choose a new --out (or none: the default is a new folder under runs/), or pass --overwrite to replace it" },
  runDirNotEmpty: { code: 'IB6206', severity: 'error', template: "'{path}' is not empty ({entries}) and is not a run directory; ibc train writes a run only into a new or empty folder (--overwrite replaces only runs): choose another --out" },
  runDirLocked: { code: 'IB6203', severity: 'error', template: "run directory '{path}' is in use by ibc process {pid}{where}, writing since {started}; wait for it to finish (if no such process runs, delete '{lock}')" },
  runDirNotWritable: { code: 'IB6204', severity: 'error', template: "cannot write the run directory '{path}': {reason}" },
  // ---------------------------------------------------------------- training, resume, backends (IB6300-IB6499)
  trainNonFiniteLoss: { code: 'IB6300', severity: 'error', template: 'the loss became {value} at epoch {epoch}, step {step} (lr {lr}); training stopped. {kept}. Try a smaller learning rate or a warm-up' },
  trainRunDirMissing: { code: 'IB6301', severity: 'error', template: "'{path}' is not a run directory: {reason}" },
  trainCheckpointMissing: { code: 'IB6302', severity: 'error', template: "no checkpoint at '{path}'{hint}" },
  trainBadOption: { code: 'IB6303', severity: 'error', template: '{option} {value} is not valid: {reason}' },
  trainCheckpointMismatch: { code: 'IB6304', severity: 'error', template: "checkpoint '{path}' does not fit the model: {reason}" },
  resumeCheckpointMissing: { code: 'IB6310', severity: 'error', template: "cannot resume from '{path}': no checkpoint at '{checkpoint}' (a run writes it after its first completed epoch); nothing was started" },
  resumeCheckpointCorrupt: { code: 'IB6311', severity: 'error', template: "cannot resume from '{path}': the checkpoint is unreadable ({reason}); nothing was started" },
  resumeSpecMismatch: { code: 'IB6312', severity: 'error', template: "cannot resume: the checkpoint was written for spec hash {found}, but '{spec}' now hashes to {expected}{differences}. Resume with the run's own spec (ibc train {runSpec} --resume {dir}), or start a new run" },
  resumeRunMismatch: { code: 'IB6314', severity: 'error', template: "cannot resume '{path}': {reason}; nothing was started" },
  trainDiverging: { code: 'IB6315', severity: 'warning', template: 'the loss is diverging: {value} bits at epoch {epoch}, {why} (lr {lr}); the run goes on, but its results are likely useless. Try a smaller learning rate or a warm-up' },
  resumeAlreadyDone: { code: 'IB6313', severity: 'info', template: 'the run already completed {done} of {epochs} epochs; nothing to do (pass --epochs N to train further)' },
  backendUnavailable: { code: 'IB6400', severity: 'error', template: "backend '{name}' is not available: {reason}" },
  backendSlowCpu: { code: 'IB6401', severity: 'warning', template: "running on TF.js's plain JavaScript CPU backend, about 100x slower than ibc-native, because {why}. To fix it: {fix}" },
  backendSoftwareAdapter: { code: 'IB6410', severity: 'warning', template: "WebGPU runs on {adapter}: results are correct but this is not a GPU, and it is slower than the ibc-native backend; use it to check the WebGPU route, not for speed" },
  stepCompiledUnavailable: { code: 'IB6403', severity: 'error', template: '--step compiled cannot run here: {reason}; use --step auto (the compiled step where it can run, else TF.js) or --step tfjs' },
  precisionNeedsCompiledStep: { code: 'IB6440', severity: 'error', template: 'precision bf16 runs only in the compiled training step on ibc-native, and this run cannot use it: {reason}. Train in fp32 (--precision fp32, or no train.precision in the spec)' },
  precisionBf16Unsupported: { code: 'IB6441', severity: 'error', template: 'precision bf16 needs native bf16 kernels (a CPU with AVX512_BF16 or AMX): {reason}. Train in fp32 (--precision fp32, or no train.precision in the spec)' },
  backendWebgpuMissing: { code: 'IB6402', severity: 'error', template: "backend 'webgpu' needs the optional package '{pkg}', which could not be loaded ({reason}). Install it with: npm install {pkg}" },
  // ---------------------------------------------------------------- the installed package: optional peers, doctor (IB6620-IB6649)
  onnxruntimeMissing: { code: 'IB6620', severity: 'error', template: '{purpose} runs the model in onnxruntime-node, an optional companion of ibc that is not installed ({reason}). Install it with: {fix}' },
  // ---------------------------------------------------------------- sweeps and results (IB6700-IB6749)
  sweepManifestUnreadable: { code: 'IB6700', severity: 'error', template: "'{path}' is not a readable sweep manifest ({reason}); move it away or give another --out" },
  sweepSlurmMissing: { code: 'IB6701', severity: 'error', template: "the slurm launcher needs '{command}' ({reason}); install Slurm's client commands (Debian: slurm-client) or use --launcher local" },
  sweepSubmitFailed: { code: 'IB6702', severity: 'error', template: 'sbatch refused the job array: {reason}' },
  sweepHashChanged: { code: 'IB6703', severity: 'warning', template: "member '{name}' has a run in '{path}' for another spec hash ({found}; the sweep now gives {expected}): it is left alone and not launched; move the folder away to run the member again" },
  sweepStaleMembers: { code: 'IB6704', severity: 'info', template: '{count} run folder(s) in {path} belong to members no longer in the sweep and are left alone: {names}' },
  resultsNoRuns: { code: 'IB6710', severity: 'error', template: "no runs in '{path}' (a run folder holds metrics.jsonl or summary.json)" },
  resultsUnknownColumn: { code: 'IB6711', severity: 'error', template: "unknown {what} '{name}'; choose one of: {names}" },
  resultsNoSweptValue: { code: 'IB6712', severity: 'error', template: "the runs in '{path}' have no swept value to plot against (no sweep manifest, and no value differs between runs)" },
  // ---------------------------------------------------------------- output policy, limits and safety (IB6800-IB6899)
  outputExists: { code: 'IB6800', severity: 'error', template: '{what}: {count} file(s) that ibc did not write would be replaced ({paths}); ibc never replaces a file it did not create: choose another output, move them away, or {hint}' },
  sweepDirNotSweep: { code: 'IB6802', severity: 'error', template: "'{path}' is not a sweep folder ({entries}, and no sweep.json); ibc sweep writes only into a new or empty folder or an earlier sweep's: choose another --out" },
  checkpointNotFinite: { code: 'IB6803', severity: 'error', template: "checkpoint '{path}' holds {value} in {name} (value {index} of {count}): it is from a run that diverged, and nothing is trained, evaluated or drawn from it; use an earlier run or best.ibck (--checkpoint best), or retrain with a smaller learning rate" },
  trainNonFiniteWeights: { code: 'IB6804', severity: 'error', template: "the weights became {value} in {name} at epoch {epoch} while the loss stayed finite; training stopped before writing a checkpoint. {kept}. Try a smaller learning rate or a warm-up" },
  optionResources: { code: 'IB6805', severity: 'error', template: '{option} is refused before anything runs: {detail} ({code})' },
  attentionGridTooLarge: { code: 'IB6806', severity: 'error', template: '{option} asks for {count} attention images: their grid figure would be {width}x{height} pixels, more than the {limit} pixels one figure may have; ask for at most {fit}' },
  sweepJobsMemory: { code: 'IB6808', severity: 'error', template: '--jobs {jobs} trains {running} members at once, which together need about {need} of memory (the largest: {largest}); this machine has {have}. Use --jobs {fit} or fewer' },
  outputIsInput: { code: 'IB6807', severity: 'error', template: "the output '{out}' is, or lies inside, '{input}', which this command reads; choose an output outside it (--overwrite does not apply)" },
  outputIsFolder: { code: 'IB6801', severity: 'error', template: '{what}: {paths} is a folder where a file is to be written; nothing was written' },
  // ---------------------------------------------------------------- TF.js artifact and loadModel (IB6600-IB6619)
  tfjsArtifactMissing: { code: 'IB6600', severity: 'error', template: "no model at '{path}': '{dir}' is not an ibc TF.js artifact folder (it needs model.json and weights.bin)" },
  tfjsArtifactUnreadable: { code: 'IB6601', severity: 'error', template: "cannot read '{path}': {reason}" },
  tfjsArtifactMalformed: { code: 'IB6602', severity: 'error', template: "'{path}' is not a valid ibc TF.js model: {detail}" },
  tfjsArtifactFutureVersion: { code: 'IB6603', severity: 'error', template: "'{path}' has format version {version}, newer than the {supported} this ibc reads; upgrade ibc" },
  tfjsWeightsMissing: { code: 'IB6604', severity: 'error', template: "the weights file '{path}' named by '{model}' does not exist" },
  tfjsWeightsSizeMismatch: { code: 'IB6605', severity: 'error', template: "the weights file '{path}' is {actual} bytes but model.json describes {expected}; the file is truncated or belongs to another model" },
  tfjsWeightsCorrupt: { code: 'IB6606', severity: 'error', template: "the weights file '{path}' is corrupt: its SHA-256 does not match the one recorded in model.json" },
  tfjsArtifactWriteFailed: { code: 'IB6607', severity: 'error', template: "cannot write the TF.js model '{path}': {reason}" },
  tfjsInputShapeMismatch: { code: 'IB6608', severity: 'error', template: 'predict: {detail}; the model takes NHWC float32 images of {expected} (batch first)' },
  // ---------------------------------------------------------------- run identity, interrupts, Slurm runs (IB6900-IB6949)
  resumeIdentityChanged: { code: 'IB6900', severity: 'error', template: "cannot resume '{path}': it differs from what the run started with ({differences}), and a run continued on other settings matches no uninterrupted one. Ways out: {ways}, or start a new run (--out DIR); nothing was started" },
  resumeScheduleChanged: { code: 'IB6901', severity: 'error', template: "cannot resume '{path}' to {after} epochs: its {schedule} schedule spreads over the total, so epoch {epoch} ran at lr {was} for {before} epochs and would have run at {now} for {after}; the run would match no uninterrupted one. Resume to {before} epochs, or start a new run with --epochs {after}; nothing was started" },
  sweepBudgetChanged: { code: 'IB6902', severity: 'error', template: "sweep '{path}': {count} of its {total} members ran with other settings than this command asks ({keys}; '{member}': {differences}), and a sweep never mixes runs of two budgets. Ways out: {ways}; nothing was launched" },
  sweepSlurmNoCpus: { code: 'IB6903', severity: 'warning', template: "slurm: no --cpus-per-task (on the command line, in the sweep's slurm statement or an --sbatch option): each array task gets the cluster's default, often 1 CPU, and trains on that many threads (they follow SLURM_CPUS_PER_TASK). Give --cpus-per-task N to train each member on N threads" },
  sweepSlurmSignalMissed: { code: 'IB6904', severity: 'warning', template: "slurm: --signal={value} does not reach ibc train: {reason}. Give --sbatch=--signal=B:USR1@SECONDS (the batch script passes SIGUSR1 on; the member saves a checkpoint and its task requeues itself), or leave --signal out: with a time limit of 10 minutes or more ibc asks for B:USR1@120" },

  // ---------------------------------------------------------------- pretrained weights (IB6500-IB6599)
  pretrainedReadFailed: { code: 'IB6500', severity: 'error', template: "cannot load the weights file '{path}': {reason}" },
  pretrainedChangedOnResume: { code: 'IB6501', severity: 'error', template: "the run at '{dir}' started from the weights file '{path}' ({size} bytes, sha256 {was}), but {now}: resuming would continue from other weights than the run began with" },

  // ---------------------------------------------------------------- the trainer's controls (IB6950-IB6999)
  trainStoppedEarly: { code: 'IB6950', severity: 'info', template: '{reason}' },
  resumeStoppedEarly: { code: 'IB6951', severity: 'info', template: 'the run was stopped early ({reason}); nothing to do: resuming does not undo early stopping' },
} as const satisfies StageCatalog;
