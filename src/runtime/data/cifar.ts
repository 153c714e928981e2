/**
 * The CIFAR binary distributions.
 *
 * CIFAR-10 (`cifar-10-batches-bin`): data_batch_1.bin .. data_batch_5.bin and
 * test_batch.bin, each 10000 records of 1 label byte + 3072 image bytes.
 * CIFAR-100 (`cifar-100-binary`): train.bin and test.bin, records of a coarse
 * label byte, a fine label byte and 3072 image bytes. Images are stored
 * channel-planar (1024 red, 1024 green, 1024 blue, each 32x32 row-major) and
 * are converted here to interleaved HWC.
 *
 * A file must hold a whole, non-zero number of records (smaller files than the
 * official ones are accepted so that tests can use tiny fixtures).
 */
import { join } from 'node:path';
import { runError } from '../../support/errors.js';
import { readDataFile, requireFolder } from '../../host/read-file.js';
import type { LoadedSplit } from './dataset.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = 3 * PLANE;
const FULL_RECORDS = 10000;

export type CifarKind = 'cifar10' | 'cifar100';

export interface CifarFiles {
  readonly train: readonly string[];
  readonly test: readonly string[];
}

export function cifarFiles(kind: CifarKind, folder: string): CifarFiles {
  if (kind === 'cifar10') {
    return {
      train: [1, 2, 3, 4, 5].map((i) => join(folder, `data_batch_${i}.bin`)),
      test: [join(folder, 'test_batch.bin')],
    };
  }
  return { train: [join(folder, 'train.bin')], test: [join(folder, 'test.bin')] };
}

/** Number of classes for a CIFAR flavour and label choice. */
export function cifarClasses(kind: CifarKind, labels: 'fine' | 'coarse' | undefined): number {
  if (kind === 'cifar10') return 10;
  return labels === 'coarse' ? 20 : 100;
}

/**
 * Decodes CIFAR records into HWC bytes and labels.
 * `labelOffset` picks the label byte within a record's label prefix of `labelBytes` bytes.
 */
export function parseCifarRecords(
  path: string,
  bytes: Uint8Array,
  kind: CifarKind,
  labelBytes: number,
  labelOffset: number,
): { images: Uint8Array; labels: Int32Array; count: number } {
  const recordSize = labelBytes + IMAGE_BYTES;
  const fullRecords = kind === 'cifar100' && path.endsWith('train.bin') ? 5 * FULL_RECORDS : FULL_RECORDS;
  if (bytes.length === 0 || bytes.length % recordSize !== 0) {
    throw runError('dataCifarBadSize', {
      path,
      actual: bytes.length,
      recordSize,
      kind: kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100',
      fullSize: fullRecords * recordSize,
    });
  }
  const count = bytes.length / recordSize;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * recordSize;
    labels[r] = bytes[base + labelOffset]!;
    const src = base + labelBytes;
    const dst = r * IMAGE_BYTES;
    for (let i = 0; i < PLANE; i++) {
      const o = dst + 3 * i;
      images[o] = bytes[src + i]!;
      images[o + 1] = bytes[src + PLANE + i]!;
      images[o + 2] = bytes[src + 2 * PLANE + i]!;
    }
  }
  return { images, labels, count };
}

function concat(parts: { images: Uint8Array; labels: Int32Array; count: number }[]): { images: Uint8Array; labels: Int32Array; count: number } {
  if (parts.length === 1) return parts[0]!;
  const count = parts.reduce((n, p) => n + p.count, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * IMAGE_BYTES);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { images, labels, count };
}

/** Reads the train or test files of a CIFAR folder. */
export function readCifarSplit(kind: CifarKind, folder: string, which: 'train' | 'test', labels: 'fine' | 'coarse' | undefined): LoadedSplit {
  requireFolder(folder, kind === 'cifar10' ? 'CIFAR-10 folder' : 'CIFAR-100 folder');
  const files = cifarFiles(kind, folder)[which];
  const labelBytes = kind === 'cifar10' ? 1 : 2;
  const labelOffset = kind === 'cifar100' && labels !== 'coarse' ? 1 : 0;
  const parts = files.map((file) =>
    parseCifarRecords(file, readDataFile(file, kind === 'cifar10' ? 'CIFAR-10 batch file' : 'CIFAR-100 file'), kind, labelBytes, labelOffset),
  );
  const joined = concat(parts);
  return { ...joined, shape: [SIDE, SIDE, 3], source: files.length === 1 ? files[0]! : folder };
}
