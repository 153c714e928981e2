/**
 * Reading parts of a large file (a weights file of hundreds of megabytes) without
 * reading all of it: a zip's central directory sits at its end, a safetensors
 * header at its start, and `ibc check` needs only those. Like every reader in
 * host/, it refuses what is not a regular file (a device, a FIFO, a folder) before
 * reading a byte, and it never reads past the size the file had when it was opened.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { fileKind } from './read-file.js';

export interface RandomAccessFile {
  /** Bytes in the file when it was opened. */
  readonly size: number;
  /** `length` bytes from `offset`; a range outside [0, size] is a bug in the caller (an exception). */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** An opened file, or why it cannot be read (phrased to follow "cannot read PATH: "). */
export type OpenResult = { readonly file: RandomAccessFile } | { readonly problem: string };

/** The largest range one `read` returns: callers read tensors one at a time, and none of a supported model is near this. */
export const MAX_READ_BYTES = 2 ** 31 - 1;

function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size || length > MAX_READ_BYTES) {
    throw new Error(`bug: read of ${length} bytes at ${offset} from a file of ${size} bytes`);
  }
}

export function openRandomAccess(path: string): OpenResult {
  // The status first (a FIFO is never opened), then a non-blocking open checked again: the one reader's rule (read-file.ts).
  try {
    const before = statSync(path);
    if (!before.isFile()) return { problem: `it is ${fileKind(before)}, not a regular file` };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return { problem: 'it does not exist' };
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return { problem: 'it does not exist' };
    if (code === 'EISDIR') return { problem: 'it is a folder, not a file' };
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    return { problem: `it is ${fileKind(stats)}, not a regular file` };
  }
  const size = stats.size;
  let open = true;
  return {
    file: {
      size,
      read(offset, length) {
        checkRange(size, offset, length);
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const n = readSync(fd, out, done, length - done, offset + done);
          if (n === 0) throw new Error(`the file became shorter while it was read (${offset + done} of ${size} bytes)`);
          done += n;
        }
        return out;
      },
      close() {
        if (open) closeSync(fd);
        open = false;
      },
    },
  };
}

/** The same interface over bytes in memory (tests, and files already read). */
export function bytesAsFile(bytes: Uint8Array): RandomAccessFile {
  return {
    size: bytes.length,
    read(offset, length) {
      checkRange(bytes.length, offset, length);
      // A copy, as a file read gives (a Buffer's own slice would share its memory).
      return Uint8Array.prototype.slice.call(bytes, offset, offset + length);
    },
    close() {},
  };
}
