import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  nodeAtomicWriteIo,
  readCheckpoint,
  writeCheckpoint,
  type AtomicWriteIo,
  type Checkpoint,
} from '../../../../src/runtime/runs/checkpoint/index.js';
import { RunError } from '../../../../src/support/errors.js';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'ibc-ckpt-'));
}

function sample(): Checkpoint {
  return {
    tensors: new Map([
      ['stage1/conv/kernel', { shape: [3, 3, 1, 2], data: Float32Array.from({ length: 18 }, (_, i) => i * 0.5 - 3) }],
      ['odd-name-é', { shape: [3], data: new Float32Array([NaN, Infinity, -0]) }],
      ['scalar', { shape: [], data: new Float32Array([42]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]),
    meta: { epoch: 3, step: 120, optimizer: 'sgd', rng: [1, 2, 3, 4294967295], specHash: 'abc' },
  };
}

function errorOf(f: () => unknown): RunError {
  try {
    f();
  } catch (e) {
    if (e instanceof RunError) return e;
    throw e;
  }
  throw new Error('expected a RunError');
}

describe('checkpoints', () => {
  it('round-trips tensors, shapes and metadata', () => {
    const path = join(dir(), 'last.ckpt');
    writeCheckpoint(path, sample());
    const back = readCheckpoint(path);
    expect(back.meta).toEqual(sample().meta);
    expect([...back.tensors.keys()]).toEqual([...sample().tensors.keys()]);
    for (const [name, t] of sample().tensors) {
      const r = back.tensors.get(name)!;
      expect(r.shape).toEqual(t.shape);
      expect(Array.from(r.data)).toEqual(Array.from(t.data));
    }
    expect(Object.is(back.tensors.get('odd-name-é')!.data[2], -0)).toBe(true);
    expect(readFileSync(path).subarray(0, 4).toString()).toBe('IBCK');
  });

  it('replaces an existing file and leaves no temporary file', () => {
    const d = dir();
    const path = join(d, 'last.ckpt');
    writeCheckpoint(path, sample());
    writeCheckpoint(path, { tensors: new Map(), meta: { epoch: 4 } });
    expect(readCheckpoint(path).meta).toEqual({ epoch: 4 });
    expect(readdirSync(d)).toEqual(['last.ckpt']);
  });

  it('leaves no partial file at the path when a write fails mid-way', () => {
    const d = dir();
    const path = join(d, 'best.ckpt');
    let writes = 0;
    const failing: AtomicWriteIo = {
      ...nodeAtomicWriteIo,
      writeSync: (fd, data) => {
        if (++writes === 4) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        return nodeAtomicWriteIo.writeSync(fd, data);
      },
    };
    const e = errorOf(() => writeCheckpoint(path, sample(), failing));
    expect(e.diagnostic.code).toBe('IB6107');
    expect(e.message).toContain(path);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(d)).toEqual([]);

    // with an older good file present, a failed write keeps it intact
    writeCheckpoint(path, { tensors: new Map(), meta: 'old' });
    writes = 0;
    errorOf(() => writeCheckpoint(path, sample(), failing));
    expect(readCheckpoint(path).meta).toBe('old');
    expect(readdirSync(d)).toEqual(['best.ckpt']);
  });

  it('reports a missing file', () => {
    const path = join(dir(), 'nope.ckpt');
    const e = errorOf(() => readCheckpoint(path));
    expect(e.diagnostic.code).toBe('IB6100');
    expect(e.message).toContain(path);
  });

  it('reports a file that is not a checkpoint', () => {
    const path = join(dir(), 'x.ckpt');
    writeFileSync(path, '{"not": "a checkpoint"}');
    const e = errorOf(() => readCheckpoint(path));
    expect(e.diagnostic.code).toBe('IB6102');
    expect(e.message).toContain(path);
    // What it looks like, never its bytes (a checkpoint path may be a link to a secret).
    expect(e.message).toContain('(it looks like JSON)');
    expect(e.message).not.toContain('{"no');
    writeFileSync(path, new Uint8Array(0));
    expect(errorOf(() => readCheckpoint(path)).message).toContain('empty');
  });

  it('reports truncation with expected and actual sizes', () => {
    const path = join(dir(), 'x.ckpt');
    writeCheckpoint(path, sample());
    const full = readFileSync(path);
    for (const keep of [2, 30, full.length - 1]) {
      writeFileSync(path, full.subarray(0, keep));
      const e = errorOf(() => readCheckpoint(path));
      expect(e.diagnostic.code).toBe('IB6103');
      expect(e.message).toContain(path);
      expect(e.message).toContain(`found ${keep}`);
    }
    writeFileSync(path, full.subarray(0, full.length - 1));
    expect(errorOf(() => readCheckpoint(path)).message).toContain(`expected ${full.length} bytes`);
  });

  it('detects a flipped byte by its checksum', () => {
    const path = join(dir(), 'x.ckpt');
    writeCheckpoint(path, sample());
    const bytes = new Uint8Array(readFileSync(path));
    bytes[bytes.length - 7]! ^= 0x10;
    writeFileSync(path, bytes);
    const e = errorOf(() => readCheckpoint(path));
    expect(e.diagnostic.code).toBe('IB6104');
    expect(e.message).toContain(path);
  });

  it('refuses a version from the future', () => {
    const path = join(dir(), 'x.ckpt');
    writeCheckpoint(path, sample());
    const bytes = new Uint8Array(readFileSync(path));
    new DataView(bytes.buffer).setUint32(4, 7, true);
    writeFileSync(path, bytes);
    const e = errorOf(() => readCheckpoint(path));
    expect(e.diagnostic.code).toBe('IB6105');
    expect(e.message).toContain('version 7');
  });

  it('treats a tensor whose data does not match its shape as a caller bug', () => {
    const path = join(dir(), 'x.ckpt');
    expect(() => writeCheckpoint(path, { tensors: new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]), meta: null })).toThrow(/shape \[2, 2\] but 3 values/);
  });
});
