/** The one bounded file reader (issue 24, case 11): devices, pipes, folders and files over a bound are refused without blocking. */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_BOUNDS, jsonSyntaxReason, maybeGunzip, readBoundedFile, readFilePrefix, readFileOf, whyNotReadable } from '../../src/host/read-file.js';
import { gzipSync } from 'node:zlib';
import { isRunError } from '../../src/support/errors.js';

const work = mkdtempSync(join(tmpdir(), 'ibc-read-file-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readBoundedFile', () => {
  it('reads a regular file, and one through a link', () => {
    writeFileSync(join(work, 'a.txt'), 'hello');
    symlinkSync(join(work, 'a.txt'), join(work, 'link.txt'));
    for (const p of ['a.txt', 'link.txt']) {
      const r = readFileOf('record', join(work, p));
      expect(r.ok && new TextDecoder().decode(r.bytes)).toBe('hello');
    }
  });

  it('refuses a FIFO, /dev/zero (also through a link), a folder and a socket-free missing path, without blocking', () => {
    execFileSync('mkfifo', [join(work, 'pipe')]);
    symlinkSync('/dev/zero', join(work, 'zero'));
    mkdirSync(join(work, 'dir'));
    const kinds = { pipe: 'a named pipe', zero: 'a character device', dir: 'a folder' } as const;
    for (const [name, kind] of Object.entries(kinds)) {
      const r = readFileOf('checkpoint', join(work, name));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problem).toEqual({ kind: 'not-regular', reason: `it is ${kind}, not a regular file` });
      expect(whyNotReadable(join(work, name), 10)).toBe(`it is ${kind}, not a regular file`);
      expect(readFilePrefix(join(work, name), 8)).toBeUndefined();
    }
    const missing = readFileOf('record', join(work, 'absent'));
    expect(!missing.ok && missing.problem.kind).toBe('missing');
  });

  it('refuses a file over its bound before reading it, and a /proc file that says 0 bytes but grows past it', () => {
    writeFileSync(join(work, 'big'), Buffer.alloc(1025));
    const r = readBoundedFile(join(work, 'big'), 1024, 'a test file');
    expect(!r.ok && r.problem.reason).toBe('it is 1,025 bytes; a test file may be at most 1,024 bytes');
    const proc = readBoundedFile('/proc/self/status', 16);
    expect(!proc.ok && proc.problem.kind).toBe('too-large');
    expect(FILE_BOUNDS.spec).toBe(1024 * 1024);
  });

  it('bounds decompression: a small gzip that inflates past the bound is refused', () => {
    const bomb = gzipSync(Buffer.alloc(4096));
    expect(maybeGunzip('x.gz', bomb).length).toBe(4096);
    let error: unknown;
    try {
      maybeGunzip('x.gz', bomb, 1000);
    } catch (e) {
      error = e;
    }
    expect(isRunError(error) && error.diagnostic.message).toBe("'x.gz' starts like a gzip file but cannot be decompressed: it decompresses to more than 1,000 bytes");
  });

  it('inflates into one buffer sized by the gzip trailer, and gives the same bytes when the trailer is wrong', () => {
    const plain = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));
    const gz = gzipSync(plain);
    const out = maybeGunzip('x.gz', gz);
    expect(Buffer.compare(out, plain)).toBe(0);
    // One output chunk of ISIZE + 1 bytes: no 16 KiB chunks joined by a copy.
    expect(out.buffer.byteLength).toBe(plain.length + 1);
    for (const isize of [0, 1000, plain.length - 1, plain.length * 3, 0xffffffff]) {
      const lying = Buffer.from(gz);
      lying.writeUInt32LE(isize, lying.length - 4);
      // zlib checks ISIZE itself: a wrong one is a corrupt file, refused as before, never other bytes.
      expect(() => maybeGunzip('x.gz', lying)).toThrow();
    }
    // Two members: the trailer gives the last one's size only; the output is still both, whole.
    const twice = maybeGunzip('x.gz', Buffer.concat([gz, gzipSync(plain.subarray(0, 1000))]));
    expect(Buffer.compare(twice, Buffer.concat([plain, plain.subarray(0, 1000)]))).toBe(0);
  });

  it('JSON syntax errors never quote the text (a run file may be a link to a secret)', () => {
    for (const text of ['root:x:0:0:root:/root:/bin/bash', '{"a": SECRET_TOKEN}', '{"a": 1']) {
      let reason = '';
      try {
        JSON.parse(text);
      } catch (e) {
        reason = jsonSyntaxReason(e);
      }
      expect(reason).toMatch(/^it is not valid JSON/);
      expect(reason).not.toMatch(/root|SECRET/);
    }
  });
});
