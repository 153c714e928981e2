/**
 * The one interface through which the compiler reads files, so that tests need
 * no disk and `extends` resolution can be exercised in memory.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve, dirname, isAbsolute } from 'node:path';

export interface FileSystem {
  /** Returns the file's bytes, or undefined when it does not exist or cannot be read. */
  readFile(path: string): Uint8Array | undefined;
  exists(path: string): boolean;
  /** Resolves `relative` against the folder holding `fromFile`. */
  resolveRelative(fromFile: string, relative: string): string;
}

export const nodeFileSystem: FileSystem = {
  readFile(path) {
    try {
      return readFileSync(path);
    } catch {
      return undefined;
    }
  },
  exists(path) {
    return existsSync(path);
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
  return {
    readFile: (path) => table.get(resolve('/', path)),
    exists: (path) => table.has(resolve('/', path)),
    resolveRelative: (fromFile, relative) =>
      isAbsolute(relative) ? relative : resolve(dirname(resolve('/', fromFile)), relative),
  };
}
