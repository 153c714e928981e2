/**
 * Reading and writing checkpoint files (the format: support/checkpoint-format.ts, which the compiler also reads for weights=). Writes are atomic; every
 * problem reading one is a RunError naming the file, so a run never silently
 * starts fresh from a bad checkpoint.
 */
import { runError } from '../../../support/errors.js';
import { readFileOf } from '../../../host/read-file.js';
import { nodeAtomicWriteIo, writeFileAtomic, type AtomicWriteIo } from '../../../host/atomic-write.js';
import { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../../support/checkpoint-format.js';
import type { RunError } from '../../../support/errors.js';

export function writeCheckpoint(path: string, checkpoint: Checkpoint, io: AtomicWriteIo = nodeAtomicWriteIo): void {
  writeFileAtomic(path, encodeCheckpoint(checkpoint), io);
}

/** Decodes checkpoint bytes; `path` names the file in errors. */
export function decodeCheckpointFile(path: string, bytes: Uint8Array): Checkpoint {
  const result = decodeCheckpoint(bytes);
  if (result.ok) return result.checkpoint;
  const p = result.problem;
  let error: RunError;
  switch (p.kind) {
    case 'bad-magic':
      error = runError('checkpointBadMagic', { path, actual: p.actual });
      break;
    case 'truncated':
      error = runError('checkpointTruncated', { path, expected: p.expected, actual: p.actual });
      break;
    case 'future-version':
      error = runError('checkpointFutureVersion', { path, version: p.version, supported: CHECKPOINT_VERSION });
      break;
    case 'checksum':
      error = runError('checkpointChecksumMismatch', { path, expected: p.expected, actual: p.actual });
      break;
    case 'malformed':
      error = runError('checkpointMalformed', { path, detail: p.detail });
      break;
  }
  throw error;
}

export function readCheckpoint(path: string): Checkpoint {
  // Bounded, and never a device or a pipe: `last.ibck -> /dev/zero` is refused, not read forever.
  const outcome = readFileOf('checkpoint', path);
  if (!outcome.ok) {
    if (outcome.problem.kind === 'missing') throw runError('checkpointMissing', { path });
    throw runError('checkpointReadFailed', { path, reason: outcome.problem.reason });
  }
  return decodeCheckpointFile(path, outcome.bytes);
}
