/** Checkpoints: the file format, atomic writes, reading with clear errors. */
export { writeCheckpoint, readCheckpoint, decodeCheckpointFile } from './checkpoint.js';
export { encodeCheckpoint, decodeCheckpoint, CHECKPOINT_VERSION, CHECKPOINT_MAGIC, type Checkpoint, type CheckpointTensor } from '../../../support/checkpoint-format.js';
export { writeFileAtomic, writeFilesAtomic, writeTextAtomic, temporaryPath, nodeAtomicWriteIo, removeStaleTemporaries, type AtomicWriteIo } from '../../../host/atomic-write.js';
export { requireStateFitsModel, stateProblem, weightsProblem, firstNonFinite, firstNonFiniteInState, requireFiniteState } from './validate.js';
