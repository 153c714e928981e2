/**
 * What identifies a weights file in a run's record: its path, size and SHA-256.
 * A run directory named as weights is identified by the checkpoint it was read from.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { FileSystem } from '../../host/file-system.js';

export interface WeightsFingerprint {
  /** The path as the spec resolved it (a run directory: its checkpoints/last.ibck). */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

const CHUNK = 8 << 20;

export function fingerprintWeights(path: string, fs: FileSystem): { readonly fingerprint: WeightsFingerprint } | { readonly problem: string } {
  const file = fs.isDirectory?.(path) ? join(path, 'checkpoints', 'last.ibck') : path;
  if (!fs.open) return { problem: 'this file system cannot open weights files' };
  const opened = fs.open(file);
  if ('problem' in opened) return opened;
  const f = opened.file;
  try {
    const hash = createHash('sha256');
    for (let at = 0; at < f.size; at += CHUNK) hash.update(f.read(at, Math.min(CHUNK, f.size - at)));
    return { fingerprint: { path: file, size: f.size, sha256: hash.digest('hex') } };
  } finally {
    f.close();
  }
}
