/**
 * Appending to a log ibc keeps (metrics.jsonl, a sweep member's log): the file
 * is opened with O_NONBLOCK and must be a regular file, so a named pipe or a
 * device planted under the name is refused instead of blocking the run or
 * receiving its output.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { fileKind } from './read-file.js';

/** Opens `path` for appending (created 0644 when missing); throws an Error with a `code` like fs does when it is not a regular file. */
export function openForAppend(path: string): number {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOCTTY, 0o644);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw Object.assign(new Error(`it is ${fileKind(stats)}, not a regular file`), { code: 'EFTYPE' });
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** Appends `text` to the regular file `path`. */
export function appendText(path: string, text: string): void {
  const fd = openForAppend(path);
  try {
    const bytes = new TextEncoder().encode(text);
    let done = 0;
    while (done < bytes.length) {
      const n = writeSync(fd, bytes, done, bytes.length - done);
      if (!(n > 0)) throw new Error(`write made no progress (${n} bytes)`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}
