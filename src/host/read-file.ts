/** Reading data files with user-facing errors, and transparent gunzip. */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { RunError, runError, reasonOf } from '../support/errors.js';

/** Reads a whole file; a missing file or folder is a RunError naming the path and what it was meant to be. */
export function readDataFile(path: string, what: string): Uint8Array {
  try {
    // A device or a pipe (/dev/zero) would be read forever.
    const stats = statSync(path);
    if (!stats.isFile()) throw runError('dataReadFailed', { path, reason: `${what} must be a regular file, but it is ${stats.isDirectory() ? 'a folder' : 'a device, pipe or socket'}` });
    return readFileSync(path);
  } catch (error) {
    if (error instanceof RunError) throw error;
    if ((error as { code?: string }).code === 'ENOENT') throw runError('dataPathMissing', { what, path });
    throw runError('dataReadFailed', { path, reason: reasonOf(error) });
  }
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

/** Gunzips when the bytes start with the gzip magic 0x1f 0x8b; otherwise returns them unchanged. */
export function maybeGunzip(path: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw runError('dataGzipFailed', { path, reason: reasonOf(error) });
  }
}
