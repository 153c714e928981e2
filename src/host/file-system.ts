/**
 * The one interface through which the compiler reads files, so that tests need
 * no disk and `extends` resolution can be exercised in memory.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { resolve, dirname, isAbsolute, join } from 'node:path';
import { bytesAsFile, openRandomAccess, type OpenResult } from './random-access.js';

/** A spec (or a base it extends) larger than this is not a spec (the largest shipped one is under 4 KB): refused before reading. */
export const MAX_SPEC_FILE_BYTES = 1024 * 1024;

export interface FileSystem {
  /** Returns the file's bytes, or undefined when it does not exist, cannot be read, is not a regular file or is too large. */
  readFile(path: string): Uint8Array | undefined;
  /**
   * Why `path` exists but will not be read (a device, a folder, a FIFO, a file
   * over MAX_SPEC_FILE_BYTES), or undefined when it is a readable regular file
   * or does not exist.
   */
  whyNotReadable?(path: string): string | undefined;
  exists(path: string): boolean;
  /** Opens a file of any size for reading parts of it (weights files); absent where a reader needs only small files. */
  open?(path: string): OpenResult;
  /** Whether `path` is a folder (a run directory named as weights). */
  isDirectory?(path: string): boolean;
  /** Resolves `relative` against the folder holding `fromFile`. */
  resolveRelative(fromFile: string, relative: string): string;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function problemWith(stats: Stats): string | undefined {
  if (!stats.isFile()) return `it is ${kindOf(stats)}, not a regular file`;
  if (stats.size > MAX_SPEC_FILE_BYTES) return `it is ${stats.size.toLocaleString('en-US')} bytes; a spec file may be at most ${MAX_SPEC_FILE_BYTES.toLocaleString('en-US')} bytes`;
  return undefined;
}

/** Reads a regular file of at most MAX_SPEC_FILE_BYTES (checked on the open descriptor, and never reading past the limit). */
function readBoundedFile(path: string): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (problemWith(fstatSync(fd))) return undefined;
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_SPEC_FILE_BYTES) return undefined; // grew while being read
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export const nodeFileSystem: FileSystem = {
  readFile: readBoundedFile,
  whyNotReadable(path) {
    try {
      return problemWith(statSync(path));
    } catch {
      return undefined;
    }
  },
  exists(path) {
    return existsSync(path);
  },
  open: openRandomAccess,
  isDirectory(path) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  resolveRelative(fromFile, relative) {
    return isAbsolute(relative) ? relative : resolve(dirname(fromFile), relative);
  },
};

/** An in-memory file system for tests. Paths are used as given (no normalisation beyond `resolveRelative`). */
export function memoryFileSystem(files: Record<string, string | Uint8Array>): FileSystem {
  const encoder = new TextEncoder();
  const table = new Map<string, Uint8Array>();
  for (const [path, content] of Object.entries(files)) {
    table.set(resolve('/', path), typeof content === 'string' ? encoder.encode(content) : content);
  }
  const isFolder = (path: string): boolean => {
    const prefix = `${resolve('/', path)}/`.replace(/\/+$/, '/');
    return [...table.keys()].some((file) => file.startsWith(prefix));
  };
  return {
    readFile: (path) => table.get(resolve('/', path)),
    exists: (path) => table.has(resolve('/', path)) || isFolder(path),
    open(path) {
      const bytes = table.get(resolve('/', path));
      if (bytes) return { file: bytesAsFile(bytes) };
      return { problem: isFolder(path) ? 'it is a folder, not a file' : 'it does not exist' };
    },
    isDirectory: isFolder,
    resolveRelative: (fromFile, relative) =>
      isAbsolute(relative) ? relative : resolve(dirname(resolve('/', fromFile)), relative),
  };
}

/**
 * Every `.ibspec` file under `folder`, sorted. Each real folder is visited
 * once: a symbolic link back up the tree (`sub/up -> ..`) is not followed
 * round and round, and a link that leads nowhere is skipped. No recursion, so
 * no depth of folders can overflow the stack.
 */
export function specFilesUnder(folder: string): string[] {
  const found: string[] = [];
  const visited = new Set<string>();
  const pending = [folder];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      continue;
    }
    if (visited.has(real)) continue;
    visited.add(real);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) {
      const path = join(dir, name);
      let stats: Stats;
      try {
        stats = statSync(path);
      } catch {
        continue; // a dangling link or a link loop: neither a spec nor a folder of specs
      }
      if (stats.isDirectory()) pending.push(path);
      else if (name.endsWith('.ibspec')) found.push(path);
    }
  }
  return found.sort();
}
