/**
 * An ibc training checkpoint (`RUN/checkpoints/last.ibck`, or any `.ibck`) as a
 * weights file: its parameters under their IR names, with the EMA's averaged values
 * in place of the raw ones where the run kept an EMA (what it evaluated with, as
 * `ibc compile --weights RUN` exports). The checkpoint's SHA-256 is verified, so the
 * whole file is read.
 */
import type { RandomAccessFile } from '../../host/random-access.js';
import { MAX_READ_BYTES } from '../../host/random-access.js';
import { decodeCheckpoint } from '../../support/checkpoint-format.js';
import type { OpenedWeights, StoredTensor } from './weights-file.js';

export function openIbcCheckpoint(file: RandomAccessFile, label: string): OpenedWeights {
  if (file.size > MAX_READ_BYTES) return { problem: `it is ${file.size.toLocaleString('en-US')} bytes, more than ibc reads as one checkpoint` };
  const decoded = decodeCheckpoint(file.read(0, file.size));
  if (!decoded.ok) {
    const p = decoded.problem;
    const reason =
      p.kind === 'truncated' ? `it is cut short (${p.actual} of ${p.expected} bytes)`
      : p.kind === 'checksum' ? 'its SHA-256 does not match its contents (the file is damaged)'
      : p.kind === 'future-version' ? `it is checkpoint format version ${p.version}, newer than this ibc reads`
      : p.kind === 'bad-magic' ? `it does not start like an ibc checkpoint (${p.actual})`
      : `it is malformed: ${p.detail}`;
    return { problem: reason };
  }
  const meta = decoded.checkpoint.meta as { format?: unknown; epoch?: unknown } | null;
  if (!meta || meta.format !== 'ibc-training-state') return { problem: 'it is an ibc checkpoint without training-state metadata' };
  const values = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const averaged = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [key, t] of decoded.checkpoint.tensors) {
    if (key.startsWith('weights/')) values.set(key.slice('weights/'.length), t);
    else if (key.startsWith('ema/')) averaged.set(key.slice('ema/'.length), t);
  }
  for (const [name, t] of averaged) if (values.has(name)) values.set(name, t);
  const tensors = new Map<string, StoredTensor>();
  for (const [name, t] of values) tensors.set(name, { name, dtype: 'F32', shape: t.shape, read: async () => ({ values: t.data }) });
  file.close();
  const epoch = typeof meta.epoch === 'number' ? `, epoch ${meta.epoch}` : '';
  return { weights: { format: 'ibc', description: `an ibc checkpoint (${label}${epoch}${averaged.size > 0 ? ', EMA-averaged weights' : ''})`, tensors, close: () => {} } };
}
