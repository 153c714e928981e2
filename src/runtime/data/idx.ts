/**
 * IDX files (the MNIST / Fashion-MNIST format), gzipped or plain.
 *
 * Layout: a big-endian 32-bit magic (0x00000803 for unsigned-byte images with
 * three dimensions, 0x00000801 for unsigned-byte labels with one), one
 * big-endian 32-bit size per dimension, then the bytes row-major. Every size
 * and count is checked against the file length so that a truncated download
 * is reported with the expected and actual byte counts, never read as zeros.
 */
import { fileKind } from '../../support/file-kind.js';
import { runError } from '../../support/errors.js';
import { maybeGunzip, readDataFile } from '../../host/read-file.js';
import type { LoadedSplit } from './dataset.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly pixels: Uint8Array;
}

function hex(magic: number): string {
  return `0x${(magic >>> 0).toString(16).padStart(8, '0')}`;
}

function readU32BE(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Checks the magic and reads the dimension sizes; returns them and the offset of the data. */
function readHeader(path: string, bytes: Uint8Array, kind: 'images' | 'labels', magic: number, dims: number): { sizes: number[]; offset: number } {
  const headerSize = 4 + 4 * dims;
  if (bytes.length < 4) {
    throw runError('dataTruncated', { path, expected: headerSize, detail: `an IDX ${kind} header`, actual: bytes.length });
  }
  const actualMagic = readU32BE(bytes, 0);
  if (actualMagic !== magic) {
    // An IDX magic (0x0000TTDD) is shown: it tells images from labels. Anything else is named by kind, never quoted (the path may lead to a secret).
    const actual = actualMagic >>> 16 === 0 ? `its magic number is ${hex(actualMagic)}` : fileKind(bytes);
    throw runError('dataIdxBadMagic', { path, kind, actual, expected: hex(magic) });
  }
  if (bytes.length < headerSize) {
    throw runError('dataTruncated', { path, expected: headerSize, detail: `an IDX ${kind} header with ${dims} dimension size(s)`, actual: bytes.length });
  }
  const sizes: number[] = [];
  for (let d = 0; d < dims; d++) sizes.push(readU32BE(bytes, 4 + 4 * d));
  return { sizes, offset: headerSize };
}

function checkLength(path: string, bytes: Uint8Array, expected: number, detail: string): void {
  if (bytes.length < expected) throw runError('dataTruncated', { path, expected, detail, actual: bytes.length });
  if (bytes.length > expected) throw runError('dataTrailingBytes', { path, expected, detail, actual: bytes.length });
}

/** Parses IDX image bytes (already gunzipped). `path` is for messages. */
export function parseIdxImages(path: string, bytes: Uint8Array): IdxImages {
  const { sizes, offset } = readHeader(path, bytes, 'images', IDX_IMAGES_MAGIC, 3);
  const [count, rows, cols] = sizes as [number, number, number];
  if (rows === 0 || cols === 0) throw runError('dataIdxBadHeader', { path, detail: `images of ${rows}x${cols} pixels` });
  const expected = offset + count * rows * cols;
  checkLength(path, bytes, expected, `a 16-byte header and ${count} images of ${rows}x${cols}`);
  return { count, rows, cols, pixels: bytes.subarray(offset, expected) };
}

/** Parses IDX label bytes (already gunzipped). */
export function parseIdxLabels(path: string, bytes: Uint8Array): Uint8Array {
  const { sizes, offset } = readHeader(path, bytes, 'labels', IDX_LABELS_MAGIC, 1);
  const count = sizes[0]!;
  checkLength(path, bytes, offset + count, `an 8-byte header and ${count} labels`);
  return bytes.subarray(offset, offset + count);
}

/** Reads an images file and its labels file into one split (1 channel). */
export function readIdxPair(imagesPath: string, labelsPath: string): LoadedSplit {
  const images = parseIdxImages(imagesPath, maybeGunzip(imagesPath, readDataFile(imagesPath, 'IDX images file')));
  const labelBytes = parseIdxLabels(labelsPath, maybeGunzip(labelsPath, readDataFile(labelsPath, 'IDX labels file')));
  if (labelBytes.length !== images.count) {
    throw runError('dataCountMismatch', { images: imagesPath, imageCount: images.count, labels: labelsPath, labelCount: labelBytes.length });
  }
  const labels = new Int32Array(images.count);
  for (let i = 0; i < labels.length; i++) labels[i] = labelBytes[i]!;
  return {
    images: images.pixels,
    labels,
    count: images.count,
    shape: [images.rows, images.cols, 1],
    source: labelsPath,
    imagesSource: imagesPath,
  };
}
