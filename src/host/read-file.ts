/**
 * The one way ibc reads a file. Every read (specs and the bases they extend,
 * checkpoints, the files of a run folder, sweep manifests, data files, images,
 * artifacts, the input of `ibc fmt`) goes through `readBoundedFile`, which
 *
 *   - refuses anything that is not a regular file (a folder, a character or
 *     block device such as /dev/zero, a named pipe, a socket) before opening
 *     it for reading, so no read can run forever;
 *   - opens with O_NONBLOCK and checks the open descriptor again (fstat), so a
 *     file swapped for a FIFO between the check and the open cannot block;
 *   - refuses a file over the bound its caller gives (each kind of file has
 *     one in FILE_BOUNDS), and never reads past it even when the file grows
 *     while being read or its size says 0 (/proc files).
 *
 * Symbolic links are followed: a link to a regular file is that file; a link
 * to a device is a device.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { RunError, runError, reasonOf } from '../support/errors.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * The most bytes each kind of file may hold. A file over its bound is not
 * what it claims to be (or would not fit in memory): it is refused before
 * reading.
 */
export const FILE_BOUNDS = {
  /** A spec or a base it extends (the largest shipped one is under 4 KB). */
  spec: MiB,
  /** Small JSON and text records: resolved-spec.json, summary.json, spec-hash.txt, run.lock, model.json of an artifact. */
  record: 16 * MiB,
  /** metrics.jsonl and sweep.json: one line per epoch, one entry per member. */
  log: 256 * MiB,
  /** One data file (IDX, a CIFAR batch, a CUB list) and its decompressed content: the most one buffer holds. */
  data: 2 * GiB - 1,
  /** One image of an image-folder data set. */
  image: 256 * MiB,
  /** A checkpoint or an exported model's weights (the largest paper model with Adam state is under 1 GiB). */
  checkpoint: 2 * GiB - 1,
  /** Files ibc ships or installs (the explorer page, TF.js bundles, package.json, Vulkan ICD manifests). */
  asset: 64 * MiB,
} as const;

export type FileBound = keyof typeof FILE_BOUNDS;

/** What each kind is called in a refusal: "a spec file may be at most 1,048,576 bytes". */
export const BOUND_NAMES: Readonly<Record<FileBound, string>> = {
  spec: 'a spec file',
  record: 'a run record',
  log: 'a log or manifest',
  data: 'a data file',
  image: 'an image file',
  checkpoint: 'a checkpoint or weights file',
  asset: 'an installed file',
};


/** Why a read was refused or failed. */
export type ReadProblem =
  | { readonly kind: 'missing'; readonly reason: string }
  | { readonly kind: 'not-regular'; readonly reason: string }
  | { readonly kind: 'too-large'; readonly reason: string }
  | { readonly kind: 'io'; readonly reason: string; readonly code?: string };

export type ReadOutcome = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly problem: ReadProblem };

/** What a non-regular file is, in words. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isFile()) return 'a regular file';
  return 'not a regular file';
}

function formatSize(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes`;
}

/** The problem with a file's status for a read bounded by `maxBytes`, if any. */
export function statusProblem(stats: Stats, maxBytes: number, name = 'such a file'): ReadProblem | undefined {
  if (!stats.isFile()) return { kind: 'not-regular', reason: `it is ${fileKind(stats)}, not a regular file` };
  if (stats.size > maxBytes) return { kind: 'too-large', reason: `it is ${formatSize(stats.size)}; ${name} may be at most ${formatSize(maxBytes)}` };
  return undefined;
}

function ioProblem(error: unknown): ReadProblem {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return { kind: 'missing', reason: 'it does not exist' };
  return { kind: 'io', reason: reasonOf(error), ...(typeof code === 'string' ? { code } : {}) };
}

/**
 * Why `path` will not be read under `maxBytes` (a device, a pipe, a folder, a
 * file over the bound), or undefined when it is a readable regular file or
 * does not exist. Looks at the file's status only; reads nothing.
 */
export function whyNotReadable(path: string, maxBytes: number, name?: string): string | undefined {
  try {
    return statusProblem(statSync(path), maxBytes, name)?.reason;
  } catch {
    return undefined;
  }
}

/** Reads a regular file of at most `maxBytes` bytes; never blocks on a FIFO, never reads a device. */
export function readBoundedFile(path: string, maxBytes: number, name?: string): ReadOutcome {
  try {
    const before = statusProblem(statSync(path), maxBytes, name);
    if (before) return { ok: false, problem: before };
  } catch (error) {
    return { ok: false, problem: ioProblem(error) };
  }
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const stats = fstatSync(fd);
    const after = statusProblem(stats, maxBytes, name);
    if (after) return { ok: false, problem: after };
    // The size is a hint (0 for /proc files, stale if the file grows): read until EOF, never past the bound.
    let buffer = new Uint8Array(Math.min(maxBytes, stats.size) + 1);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > maxBytes) break;
        const grown = new Uint8Array(Math.min(maxBytes + 1, Math.max(64 * 1024, buffer.length * 2)));
        grown.set(buffer);
        buffer = grown;
      }
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > maxBytes) return { ok: false, problem: { kind: 'too-large', reason: `it holds more than ${formatSize(maxBytes)}; ${name} may be at most that` } };
    return { ok: true, bytes: buffer.subarray(0, total) };
  } catch (error) {
    return { ok: false, problem: ioProblem(error) };
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing was written through it
      }
    }
  }
}

/**
 * The first `count` bytes of a regular file (fewer when it is shorter), for
 * recognising what a file is without reading all of it; undefined when it is
 * not a readable regular file. Same refusals as readBoundedFile.
 */
export function readFilePrefix(path: string, count: number): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return undefined;
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = new Uint8Array(count);
    let total = 0;
    while (total < count) {
      const n = readSync(fd, buffer, total, count - total, null);
      if (n === 0) break;
      total += n;
    }
    return buffer.subarray(0, total);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // read-only
      }
    }
  }
}

/** `readBoundedFile` for one of the FILE_BOUNDS kinds. */
export function readFileOf(kind: FileBound, path: string): ReadOutcome {
  return readBoundedFile(path, FILE_BOUNDS[kind], BOUND_NAMES[kind]);
}

/** The file as UTF-8 text, or undefined when it cannot be read for any reason (for files whose absence is an answer, e.g. a run's summary.json). */
export function readTextIfReadable(kind: FileBound, path: string): string | undefined {
  const outcome = readFileOf(kind, path);
  return outcome.ok ? new TextDecoder().decode(outcome.bytes) : undefined;
}

/** The file as UTF-8 text; a problem becomes what `fail` makes of it. */
export function readText(kind: FileBound, path: string, fail: (problem: ReadProblem) => Error): string {
  const outcome = readFileOf(kind, path);
  if (!outcome.ok) throw fail(outcome.problem);
  return new TextDecoder().decode(outcome.bytes);
}

/**
 * Why a text is not JSON, without quoting it: Node's own message copies part
 * of the text, and a run file may be a link to a secret.
 */
export function jsonSyntaxReason(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message);
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return `it is not valid JSON (line ${lineColumn[1]}, column ${lineColumn[2]})`;
  if (position) return `it is not valid JSON (at byte ${position[1]})`;
  if (/end of (JSON|data) input/i.test(message)) return 'it is not valid JSON (it ends too early)';
  return 'it is not valid JSON';
}

/** Parses JSON text; a syntax error becomes what `fail` makes of its reason (which never quotes the text). */
export function parseJson(text: string, fail: (reason: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail(jsonSyntaxReason(error));
  }
}

/** Reads a whole data file; a missing file or folder is a RunError naming the path and what it was meant to be. */
export function readDataFile(path: string, what: string, kind: FileBound = 'data'): Uint8Array {
  const outcome = readFileOf(kind, path);
  if (outcome.ok) return outcome.bytes;
  const { problem } = outcome;
  if (problem.kind === 'missing') throw runError('dataPathMissing', { what, path });
  throw runError('dataReadFailed', { path, reason: problem.kind === 'not-regular' ? `${what} must be a regular file, but ${problem.reason.replace(/, not a regular file$/, '')}` : problem.reason });
}

/** Throws when `path` is not an existing folder. */
export function requireFolder(path: string, what: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw runError('dataPathMissing', { what, path });
    throw runError('dataReadFailed', { path, reason: reasonOf(error) });
  }
  if (!isDir) throw runError('dataReadFailed', { path, reason: `${what} must be a folder, but it is a file` });
}

/** zlib's smallest and default output chunk sizes (Z_MIN_CHUNK, Z_DEFAULT_CHUNK). */
const MIN_CHUNK = 64;
const DEFAULT_CHUNK = 16 * 1024;
/** Deflate's largest expansion, about 1032 to 1 (a 258-byte match in about two bits). */
const MAX_INFLATE_RATIO = 1032;

/**
 * An output chunk one byte larger than the gzip trailer's ISIZE (the
 * uncompressed size, modulo 2^32, of the last member), so the whole output is
 * inflated into one buffer: zlib's default 16 KiB chunks are copied into a
 * second buffer at the end, and on a virtual machine each fresh page of that
 * copy costs a fault (an IDX training file: 47 MB, about 0.15 s). The size is
 * bounded by what the input could inflate to and by `maxBytes`; zlib checks
 * each member's ISIZE itself, and where the trailer undercounts the output (a
 * file of several members, or over 4 GiB) the output comes in several chunks,
 * the same bytes.
 */
function gunzipChunkSize(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length < 18) return DEFAULT_CHUNK;
  const end = bytes.length;
  const isize = (bytes[end - 4]! | (bytes[end - 3]! << 8) | (bytes[end - 2]! << 16) | (bytes[end - 1]! << 24)) >>> 0;
  return Math.max(MIN_CHUNK, Math.min(isize + 1, maxBytes + 1, bytes.length * MAX_INFLATE_RATIO));
}

/**
 * Gunzips when the bytes start with the gzip magic 0x1f 0x8b; otherwise
 * returns them unchanged. The output is bounded like a data file: a small
 * file that inflates to terabytes (a gzip bomb) is refused, not decompressed.
 */
export function maybeGunzip(path: string, bytes: Uint8Array, maxBytes: number = FILE_BOUNDS.data): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes, chunkSize: gunzipChunkSize(bytes, maxBytes) });
  } catch (error) {
    if (error instanceof RunError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw runError('dataGzipFailed', { path, reason: `it decompresses to more than ${formatSize(maxBytes)}` });
    throw runError('dataGzipFailed', { path, reason: reasonOf(error) });
  }
}
