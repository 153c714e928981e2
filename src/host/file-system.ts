/**
 * The one interface through which the compiler reads files, so that tests need
 * no disk and `extends` resolution can be exercised in memory.
 */
import { existsSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { resolve, dirname, isAbsolute, join } from 'node:path';
import { BOUND_NAMES, FILE_BOUNDS, readBoundedFile, whyNotReadable } from './read-file.js';
import { bytesAsFile, openRandomAccess, type OpenResult } from './random-access.js';

/** A spec (or a base it extends) larger than this is not a spec (the largest shipped one is under 4 KB): refused before reading. */
export const MAX_SPEC_FILE_BYTES = FILE_BOUNDS.spec;

export interface FileSystem {
  /** Returns the file's bytes, or undefined when it does not exist, cannot be read, is not a regular file or is too large. */
  readFile(path: string): Uint8Array | undefined;
  /**
   * Why `path` exists but will not be read (a device, a folder, a FIFO, a file
   * over MAX_SPEC_FILE_BYTES), or undefined when it is a readable regular file
   * or does not exist.
   */
  whyNotReadable?(path: string): string | undefined;
  /**
   * The path with every symbolic link resolved (for checking what a link
   * really names), or the path itself when it cannot be resolved.
   */
  realPath?(path: string): string;
  exists(path: string): boolean;
  /** Opens a file of any size for reading parts of it (weights files); absent where a reader needs only small files. */
  open?(path: string): OpenResult;
  /** Whether `path` is a folder (a run directory named as weights). */
  isDirectory?(path: string): boolean;
  /** Resolves `relative` against the folder holding `fromFile`. */
  resolveRelative(fromFile: string, relative: string): string;
}

export const nodeFileSystem: FileSystem = {
  readFile(path) {
    const outcome = readBoundedFile(path, MAX_SPEC_FILE_BYTES, BOUND_NAMES.spec);
    return outcome.ok ? outcome.bytes : undefined;
  },
  whyNotReadable(path) {
    return whyNotReadable(path, MAX_SPEC_FILE_BYTES, BOUND_NAMES.spec);
  },
  realPath(path) {
    try {
      return realpathSync(path);
    } catch {
      return path;
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

/** The extension of spec files: the only files whose lines a code frame may show (besides the one the user named). */
export const SPEC_EXTENSION = '.ibspec';

/** Whether `path` names a spec file: its name, and the name of the file its links lead to, end in .ibspec. */
export function isSpecFile(path: string, fs: Pick<FileSystem, 'realPath'> = nodeFileSystem): boolean {
  if (!path.endsWith(SPEC_EXTENSION)) return false;
  const real = fs.realPath?.(path) ?? path;
  return real.endsWith(SPEC_EXTENSION);
}

/**
 * The text of a spec file for a code frame, or undefined when `path` is not a
 * spec file (isSpecFile) or cannot be read within the spec bound. A frame
 * never shows a line of any other file: a diagnostic's span can point into a
 * run's spec.ibspec, never into a secret a link leads to.
 */
export function specTextForFrames(path: string): string | undefined {
  if (!isSpecFile(path)) return undefined;
  const bytes = nodeFileSystem.readFile(path);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

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
