/** The run-directory lock, stale temporaries and the resumed metrics file, without training (issue 16). */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockRunDir, processIsAlive, type ProcessProbe } from '../../../src/runtime/runs/run-lock.js';
import { removeStaleTemporaries } from '../../../src/runtime/runs/checkpoint/index.js';
import { resumedMetrics } from '../../../src/runtime/jobs/train.js';
import { isRunError } from '../../../src/support/errors.js';

const probe = (pid: number, alive: readonly number[], host = 'here'): ProcessProbe => ({ pid, host, isAlive: (p) => alive.includes(p) });
const folder = (): string => mkdtempSync(join(tmpdir(), 'ibc-lock-'));

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isRunError(error)) return `${error.diagnostic.code}: ${error.diagnostic.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('lockRunDir', () => {
  it('writes the pid, refuses a second writer while the first lives, and releases', () => {
    const dir = folder();
    const first = lockRunDir(dir, probe(100, [100, 200]), new Date('2026-01-02T03:04:05Z'));
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual({ pid: 100, host: 'here', started: '2026-01-02T03:04:05.000Z' });
    expect(refusal(() => lockRunDir(dir, probe(200, [100, 200])))).toMatch(/^IB6203: run directory '.*' is in use by ibc process 100, writing since 2026-01-02T03:04:05\.000Z; .*delete '.*run\.lock'/);
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const second = lockRunDir(dir, probe(200, [200]));
    second.release();
    second.release();
  });

  it('takes over a lock whose process is gone, or that is empty or half-written', () => {
    for (const content of [JSON.stringify({ pid: 100, host: 'here', started: 'then' }), '', '{"pid":10']) {
      const dir = folder();
      writeFileSync(join(dir, LOCK_FILE), content);
      const lock = lockRunDir(dir, probe(300, [300]));
      expect(lock.owner.pid).toBe(300);
      lock.release();
    }
  });

  it("refuses a lock held on another host (its process cannot be checked) and the process's own lock", () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 100, host: 'elsewhere', started: 'then' }));
    expect(refusal(() => lockRunDir(dir, probe(300, [300])))).toContain("on host 'elsewhere'");
    const own = folder();
    const held = lockRunDir(own, probe(400, [400]));
    expect(refusal(() => lockRunDir(own, probe(400, [400])))).toContain('process 400');
    held.release();
  });

  it('release leaves a lock that another writer took over in place', () => {
    const dir = folder();
    const lock = lockRunDir(dir, probe(100, [100]));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 900, host: 'here', started: 'later' }));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });

  it('processIsAlive knows this process and refuses nonsense pids', () => {
    expect(processIsAlive(process.pid)).toBe(true);
    expect(processIsAlive(0)).toBe(false);
    expect(processIsAlive(-5)).toBe(false);
  });
});

describe('removeStaleTemporaries', () => {
  it("removes dead writers' *.tmp-PID files only", () => {
    const dir = folder();
    for (const name of ['last.ibck.tmp-11', 'last.ibck.tmp-22', `x.tmp-${process.pid}`, 'last.ibck', 'notes.tmp-x']) writeFileSync(join(dir, name), 'x');
    const removed = removeStaleTemporaries(dir, (pid) => pid === 22);
    expect(removed).toEqual([join(dir, 'last.ibck.tmp-11')]);
    for (const kept of ['last.ibck.tmp-22', `x.tmp-${process.pid}`, 'last.ibck', 'notes.tmp-x']) expect(existsSync(join(dir, kept)), kept).toBe(true);
    expect(removeStaleTemporaries(join(dir, 'absent'), () => false)).toEqual([]);
  });
});

describe('resumedMetrics', () => {
  const row = (epoch: number): string => JSON.stringify({ epoch, lr: 0.1, train_loss: 1 });
  it("keeps the covered epochs and lines that are not ibc's, drops later epochs and a row cut off by a kill", () => {
    const text = `${row(1)}\nmy note\n${row(2)}\n\n${row(3)}\n{"epoch":4,"lr`;
    expect(resumedMetrics(text, 2)).toBe(`${row(1)}\nmy note\n${row(2)}\n`);
  });
  it('an unterminated last line that is not a row is kept', () => {
    expect(resumedMetrics(`${row(1)}\nnote without newline`, 1)).toBe(`${row(1)}\nnote without newline\n`);
  });
  it('a complete-looking row cut in the middle of the file is dropped; other JSON is kept', () => {
    expect(resumedMetrics(`{"epoch":1,"lr"\n{"note":"mine"}\n[1,2]\n`, 5)).toBe('{"note":"mine"}\n[1,2]\n');
  });
});
