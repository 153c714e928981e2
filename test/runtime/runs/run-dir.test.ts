import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendMetrics,
  createRunDir,
  makeRunSubdir,
  resolveInsideRunDir,
  writeResolvedSpec,
  writeSummary,
} from '../../../src/runtime/runs/run-dir.js';
import { RunError } from '../../../src/support/errors.js';

function base(): string {
  return mkdtempSync(join(tmpdir(), 'ibc-runs-'));
}

function escapeCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof RunError) return `${e.diagnostic.code} ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('run directory', () => {
  it('creates runs/<name>-<stamp> and makes it unique', () => {
    const b = base();
    const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    const a = createRunDir(b, 'fashion small/aib', now);
    const c = createRunDir(b, 'fashion small/aib', now);
    expect(a).toBe(join(b, 'fashion_small_aib-20260102-030405'));
    expect(c).toBe(`${a}-2`);
    expect(existsSync(c)).toBe(true);
  });

  it('resolves paths inside and refuses escapes', () => {
    const run = createRunDir(base(), 'x');
    expect(resolveInsideRunDir(run, 'attention/000.png')).toBe(join(run, 'attention', '000.png'));
    expect(resolveInsideRunDir(run, 'a/../b.ckpt')).toBe(join(run, 'b.ckpt'));
    expect(escapeCode(() => resolveInsideRunDir(run, '../other/file'))).toMatch(/^IB6200 .*climbs out/);
    expect(escapeCode(() => resolveInsideRunDir(run, 'a/../../x'))).toMatch(/^IB6200/);
    expect(escapeCode(() => resolveInsideRunDir(run, '/etc/passwd'))).toMatch(/^IB6200 .*absolute/);
  });

  it('refuses paths that leave through a symbolic link', () => {
    const outside = base();
    const run = createRunDir(base(), 'x');
    symlinkSync(outside, join(run, 'out'));
    symlinkSync(join(outside, 'missing'), join(run, 'dangling'));
    mkdirSync(join(run, 'inner'));
    symlinkSync(join(run, 'inner'), join(run, 'ok-link'));
    expect(escapeCode(() => resolveInsideRunDir(run, 'out/x.ckpt'))).toMatch(/^IB6200 .*symbolic link/);
    expect(escapeCode(() => resolveInsideRunDir(run, 'out'))).toMatch(/^IB6200/);
    expect(escapeCode(() => resolveInsideRunDir(run, 'dangling'))).toMatch(/^IB6200/);
    expect(resolveInsideRunDir(run, 'ok-link/y')).toBe(join(run, 'ok-link', 'y'));
    expect(escapeCode(() => makeRunSubdir(run, 'out/attention'))).toMatch(/^IB6200/);
  });

  it('writes the resolved spec without spans, metrics lines and the summary', () => {
    const run = createRunDir(base(), 'x');
    const spec = { name: 'x', model: { input: [28, 28, 1], origin: { file: 'a', start: {}, end: {} } } };
    writeResolvedSpec(run, spec);
    expect(JSON.parse(readFileSync(join(run, 'resolved-spec.json'), 'utf8'))).toEqual({ name: 'x', model: { input: [28, 28, 1] } });
    appendMetrics(run, { epoch: 0, loss: 1.5 });
    appendMetrics(run, { epoch: 1, loss: NaN });
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([{ epoch: 0, loss: 1.5 }, { epoch: 1, loss: null }]);
    writeSummary(run, { best: 0.9 });
    writeSummary(run, { best: 0.95 });
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'))).toEqual({ best: 0.95 });
  });
});
