/**
 * Atomic file replacement: the bytes go to `<path>.tmp-<pid>`, are flushed to
 * disk (fsync), and the temporary file is renamed over `path`. A reader sees
 * either the old file or the whole new one, never a partial write; a failure
 * part-way removes the temporary file and leaves `path` as it was.
 *
 * The file operations come in as a plain object so that tests can make a
 * write fail half-way.
 */
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { runError, reasonOf } from '../support/errors.js';

export interface AtomicWriteIo {
  openSync(path: string, flags: number, mode?: number): number;
  fchmodSync(fd: number, mode: number): void;
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export const nodeAtomicWriteIo: AtomicWriteIo = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  fchmodSync: (fd, mode) => fs.fchmodSync(fd, mode),
  writeSync: (fd, data) => fs.writeSync(fd, data),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
};

export function temporaryPath(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/**
 * How a temporary is opened: created or truncated, never through a symbolic
 * link planted under its name (O_NOFOLLOW) and never blocking on a FIFO
 * planted there (O_NONBLOCK: the open fails instead).
 */
const TEMPORARY_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * The mode a new version of `path` gets: the mode of the file it replaces
 * (a 0600 spec stays 0600), else `mode`, else the default (0666 less the umask).
 */
export function modeFor(path: string, mode: number | undefined): number | undefined {
  try {
    const stats = fs.lstatSync(path);
    if (stats.isFile()) return stats.mode & 0o7777;
  } catch {
    // a new file
  }
  return mode;
}

/** Opens a temporary for writing; `mode` is set exactly (not filtered by the umask) when given, else 0666 less the umask. */
function openTemporary(io: AtomicWriteIo, tmp: string, mode: number | undefined): number {
  const fd = io.openSync(tmp, TEMPORARY_FLAGS, 0o666);
  if (mode === undefined) return fd;
  try {
    io.fchmodSync(fd, mode);
  } catch (error) {
    io.closeSync(fd);
    throw error;
  }
  return fd;
}

/** Creates one folder (its parent must exist); an existing folder is fine. */
export function makeFolder(path: string): void {
  try {
    fs.mkdirSync(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST' && fs.statSync(path).isDirectory()) return;
    throw error;
  }
}

function writeAll(io: AtomicWriteIo, fd: number, chunk: Uint8Array): void {
  let done = 0;
  while (done < chunk.length) {
    const n = io.writeSync(fd, done === 0 ? chunk : chunk.subarray(done));
    if (!(n > 0)) throw new Error(`write made no progress (${n} bytes)`);
    done += n;
  }
}

/** Best effort: makes the rename itself durable. Some file systems refuse fsync on a directory. */
function syncFolder(path: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dirname(path), 'r');
    fs.fsyncSync(fd);
  } catch {
    // not fatal: the data is already flushed; only the rename's durability is at stake
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes `chunks` in order to `path` atomically. A replaced file's mode is
 * kept; a new file gets `mode` (default 0666 less the umask). Failures become
 * a RunError (`checkpointWriteFailed`) naming `path`.
 */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>, io: AtomicWriteIo = nodeAtomicWriteIo, mode?: number): void {
  const tmp = temporaryPath(path);
  let fd: number | undefined;
  try {
    fd = openTemporary(io, tmp, modeFor(path, mode));
    for (const chunk of chunks) writeAll(io, fd, chunk);
    io.fsyncSync(fd);
    io.closeSync(fd);
    fd = undefined;
    io.renameSync(tmp, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        io.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      io.unlinkSync(tmp);
    } catch {
      // the temporary file may never have been created
    }
    throw runError('checkpointWriteFailed', { path, reason: reasonOf(error) });
  }
  if (io === nodeAtomicWriteIo) syncFolder(path);
}

/**
 * Writes several files as one: every file goes to its temporary first, and
 * only when all are written are they renamed into place, in the given order
 * (the file that makes the set usable, e.g. model.json, last). A failure
 * while writing removes every temporary and leaves all the paths as they were;
 * a failed rename also removes the files of this set that were new.
 */
export function writeFilesAtomic(
  files: readonly { readonly path: string; readonly chunks: Iterable<Uint8Array>; readonly mode?: number }[],
  io: AtomicWriteIo = nodeAtomicWriteIo,
  fail: (path: string, reason: string) => Error = (path, reason) => runError('checkpointWriteFailed', { path, reason }),
): void {
  const written: string[] = [];
  let current = files[0]?.path ?? '';
  try {
    for (const file of files) {
      current = file.path;
      const tmp = temporaryPath(file.path);
      written.push(tmp);
      const fd = openTemporary(io, tmp, modeFor(file.path, file.mode));
      try {
        for (const chunk of file.chunks) writeAll(io, fd, chunk);
        io.fsyncSync(fd);
      } finally {
        io.closeSync(fd);
      }
    }
  } catch (error) {
    for (const tmp of written) {
      try {
        io.unlinkSync(tmp);
      } catch {
        // never created
      }
    }
    throw fail(current, reasonOf(error));
  }
  // Files that are new (not replacing an older version) are removed again if a later rename fails.
  const isNew = files.map((file) => !fs.existsSync(file.path));
  for (const [index, file] of files.entries()) {
    try {
      io.renameSync(temporaryPath(file.path), file.path);
    } catch (error) {
      for (const later of files.slice(index)) {
        try {
          io.unlinkSync(temporaryPath(later.path));
        } catch {
          // already gone
        }
      }
      for (const [earlier, done] of files.slice(0, index).entries()) {
        if (!isNew[earlier]) continue;
        try {
          io.unlinkSync(done.path);
        } catch {
          // already gone
        }
      }
      throw fail(file.path, reasonOf(error));
    }
  }
  if (io === nodeAtomicWriteIo && files.length > 0) syncFolder(files[files.length - 1]!.path);
}

/** Convenience: atomically writes a string as UTF-8. */
export function writeTextAtomic(path: string, text: string, io: AtomicWriteIo = nodeAtomicWriteIo): void {
  writeFileAtomic(path, [new TextEncoder().encode(text)], io);
}

/** `<name>.tmp-<pid>`: what writeFileAtomic (and the artifact writers) leave when killed mid-write. */
const TEMPORARY_NAME = /\.tmp-(\d+)$/;

/**
 * Removes the temporary files in `folder` whose writer is no longer running
 * (a run killed during a checkpoint write leaves a 50 MB `last.ibck.tmp-PID`).
 * Call it only while holding the folder's run lock, so no live writer of this
 * run can own them. Returns the paths removed.
 */
export function removeStaleTemporaries(folder: string, isAlive: (pid: number) => boolean, ownPid: number = process.pid): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMPORARY_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === ownPid || isAlive(pid)) continue;
    const path = join(folder, name);
    try {
      if (!fs.lstatSync(path).isFile()) continue;
      fs.unlinkSync(path);
      removed.push(path);
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
  return removed;
}
