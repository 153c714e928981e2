/**
 * The output policy (issue 24, cases 4, 5 and 9): files ibc did not write are
 * never replaced without permission nor removed; a failure part-way (a full
 * disk, injected here through the file interface) leaves nothing under a final
 * name; a replaced file keeps its mode; what the command reads is never
 * written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitOutputs, requireApartFromInputs } from '../../src/host/output-policy.js';
import { nodeAtomicWriteIo, writeTextAtomic, type AtomicWriteIo } from '../../src/host/atomic-write.js';
import { isRunError } from '../../src/support/errors.js';
import { hasIbcMark, isIbcPng, markPng } from '../../src/runtime/figures/png-mark.js';
import { encodePng } from '../../src/runtime/figures/images/png.js';
import { PNG } from 'pngjs';

const work = mkdtempSync(join(tmpdir(), 'ibc-output-policy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bytes = (text: string) => [new TextEncoder().encode(text)];

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isRunError(error)) return `${error.diagnostic.code}: ${error.diagnostic.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** The same file operations with ENOSPC after `budget` bytes: a full disk, for machines where no small tmpfs can be mounted. */
export function fullDiskIo(budget: number): AtomicWriteIo {
  let left = budget;
  return {
    ...nodeAtomicWriteIo,
    writeSync(fd, data) {
      if (data.length > left) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      left -= data.length;
      return nodeAtomicWriteIo.writeSync(fd, data);
    },
  };
}

describe('commitOutputs', () => {
  it("refuses to replace a file it did not write, names it, and writes nothing; --overwrite replaces it", () => {
    const dir = join(work, 'refuse');
    mkdirSync(dir);
    writeFileSync(join(dir, 'b.txt'), 'mine');
    const set = { what: 'test outputs', files: [{ path: join(dir, 'a.txt'), chunks: bytes('A') }, { path: join(dir, 'b.txt'), chunks: bytes('B') }], ours: () => false, overwrite: false };
    expect(refusal(() => commitOutputs(set))).toMatch(/^IB6800: test outputs: 1 file\(s\) that ibc did not write would be replaced \('.*b\.txt'\)/);
    expect(readdirSync(dir)).toEqual(['b.txt']);
    commitOutputs({ ...set, overwrite: true });
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('B');
  });

  it('never writes what the command reads, even with --overwrite: the file itself, anything inside a folder read whole, also through a link', () => {
    const dir = join(work, 'inputs');
    mkdirSync(join(dir, 'run', 'checkpoints'), { recursive: true });
    writeFileSync(join(dir, 'spec.ibspec'), 'name s\n');
    writeFileSync(join(dir, 'run', 'checkpoints', 'last.ibck'), 'weights');
    symlinkSync(join(dir, 'run'), join(dir, 'alias'));
    const inputs = [{ path: join(dir, 'spec.ibspec'), within: false }, { path: join(dir, 'run', 'checkpoints'), within: true }];
    const write = (path: string) => commitOutputs({ what: 'the model', files: [{ path, chunks: bytes('m') }], ours: () => true, overwrite: true, inputs });
    for (const path of [join(dir, 'spec.ibspec'), join(dir, 'run', 'checkpoints', 'last.ibck'), join(dir, 'run', 'checkpoints', 'new', 'm.onnx'), join(dir, 'alias', 'checkpoints', 'last.ibck')]) {
      expect(refusal(() => write(path))).toMatch(/^IB6807: the output '.*' is, or lies inside, '.*(spec\.ibspec|checkpoints)', which this command reads/);
    }
    expect(readFileSync(join(dir, 'spec.ibspec'), 'utf8')).toBe('name s\n');
    expect(readdirSync(join(dir, 'run', 'checkpoints'))).toEqual(['last.ibck']);
    expect(refusal(() => requireApartFromInputs([join(dir, 'alias', 'checkpoints')], inputs))).toMatch(/^IB6807/);
    // Beside what it reads is fine.
    write(join(dir, 'run', 'export.onnx'));
    expect(readFileSync(join(dir, 'run', 'export.onnx'), 'utf8')).toBe('m');
  });

  it('never replaces a folder with a file', () => {
    const dir = join(work, 'folder');
    mkdirSync(join(dir, 'x.onnx'), { recursive: true });
    expect(refusal(() => commitOutputs({ what: 'the model', files: [{ path: join(dir, 'x.onnx'), chunks: bytes('m') }], ours: () => true, overwrite: true }))).toMatch(/^IB6801/);
  });

  it('a full disk part-way leaves no file under a final name, no temporary and no folder it created', () => {
    mkdirSync(join(work, 'full'));
    const dir = join(work, 'full', 'new', 'deep');
    const files = ['1.png', '2.png', 'grid.png'].map((n) => ({ path: join(dir, n), chunks: bytes('x'.repeat(100)) }));
    expect(refusal(() => commitOutputs({ what: 'figures', files, ours: () => false, overwrite: false }, fullDiskIo(250)))).toMatch(/^IB5008: cannot write '.*deep\/grid\.png': the disk is full \(figures: nothing half-written was left behind\)$/);
    expect(existsSync(join(work, 'full', 'new'))).toBe(false);
    expect(readdirSync(join(work, 'full'))).toEqual([]);
  });

  it('removes stale outputs only after the new set is in place, and only its own', () => {
    const dir = join(work, 'stale');
    mkdirSync(dir);
    for (const n of ['old-ours.txt', 'old-theirs.txt']) writeFileSync(join(dir, n), n);
    commitOutputs({ what: 'x', files: [{ path: join(dir, 'new.txt'), chunks: bytes('n') }], ours: (p) => p.endsWith('ours.txt'), overwrite: false, stale: [join(dir, 'old-ours.txt'), join(dir, 'old-theirs.txt')] });
    expect(readdirSync(dir).sort()).toEqual(['new.txt', 'old-theirs.txt']);
  });

  it('a replaced file keeps its mode (fmt --write on a 0600 spec stays 0600)', () => {
    const path = join(work, 'secret.ibspec');
    writeFileSync(path, 'name a\n', { mode: 0o600 });
    writeTextAtomic(path, 'name b\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('name b\n');
  });
});

describe("ibc's PNG mark", () => {
  it('is a tEXt chunk that PNG readers accept; a user PNG has none', () => {
    const plain = encodePng(new Uint8Array(4 * 4 * 4).fill(200), 4, 4);
    const marked = markPng(plain);
    expect(hasIbcMark(plain)).toBe(false);
    expect(hasIbcMark(marked)).toBe(true);
    const decoded = PNG.sync.read(Buffer.from(marked));
    expect([decoded.width, decoded.height]).toEqual([4, 4]);
    writeFileSync(join(work, 'mine.png'), plain);
    writeFileSync(join(work, 'ours.png'), marked);
    expect([isIbcPng(join(work, 'mine.png')), isIbcPng(join(work, 'ours.png')), isIbcPng(join(work, 'absent.png'))]).toEqual([false, true, false]);
  });
});
