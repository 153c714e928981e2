/** Small data files generated on the fly for the data tests. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { RunError } from '../../src/support/errors.js';

export function tempDir(prefix = 'ibc-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeBytes(path: string, bytes: Uint8Array, gzip = false): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

function u32be(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

export function idxImages(count: number, rows: number, cols: number, pixel: (n: number, i: number) => number): Uint8Array {
  const out = new Uint8Array(16 + count * rows * cols);
  out.set([...u32be(0x803), ...u32be(count), ...u32be(rows), ...u32be(cols)]);
  for (let n = 0; n < count; n++) for (let i = 0; i < rows * cols; i++) out[16 + n * rows * cols + i] = pixel(n, i);
  return out;
}

export function idxLabels(labels: number[]): Uint8Array {
  return new Uint8Array([...u32be(0x801), ...u32be(labels.length), ...labels]);
}

/** A CIFAR record: label bytes then 3072 CHW bytes, where channel k, pixel i holds f(k, i). */
export function cifarRecord(labelBytes: number[], f: (k: number, i: number) => number): Uint8Array {
  const out = new Uint8Array(labelBytes.length + 3072);
  out.set(labelBytes);
  for (let k = 0; k < 3; k++) for (let i = 0; i < 1024; i++) out[labelBytes.length + k * 1024 + i] = f(k, i);
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function pngBytes(width: number, height: number, rgba: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(rgba(x, y), (y * width + x) * 4);
  }
  return PNG.sync.write(png);
}

/** Runs `f`, expects a RunError, returns its message (with the code). */
export function runErrorOf(f: () => unknown): RunError {
  try {
    f();
  } catch (error) {
    if (error instanceof RunError) return error;
    throw error;
  }
  throw new Error('expected a RunError, nothing was thrown');
}

export async function asyncRunErrorOf(f: () => Promise<unknown>): Promise<RunError> {
  try {
    await f();
  } catch (error) {
    if (error instanceof RunError) return error;
    throw error;
  }
  throw new Error('expected a RunError, nothing was thrown');
}
