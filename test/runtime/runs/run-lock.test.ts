/** The run-directory lock, stale temporaries and the resumed metrics file, without training (issue 16). */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockIsStale, lockRunDir, readLock, runIsLocked, STALE_AFTER_MS, type FoundLock, type ProcessProbe } from '../../../src/runtime/runs/run-lock.js';
import { processIsAlive } from '../../../src/host/process.js';
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

  it('a lock from another host is taken over once its heartbeat is older than STALE_AFTER_MS (a node killed by SIGTERM), not before', () => {
    const dir = folder();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: 100, host: 'node-b', started: 'then' }));
    const now = Date.now();
    const at = (ms: number): ProcessProbe => ({ ...probe(300, [300]), now: () => now + ms });
    expect(refusal(() => lockRunDir(dir, at(STALE_AFTER_MS - 60_000)))).toMatch(/on host 'node-b' \(its heartbeat is \d+ s old; it is taken over once older than 10 minutes\)/);
    const old = new Date(now - STALE_AFTER_MS - 60_000);
    utimesSync(path, old, old);
    expect(lockIsStale(readLock(path) as FoundLock, at(0))).toMatch(/heartbeat from host 'node-b' is 11 minutes old/);
    expect(runIsLocked(dir, at(0))).toBe(false);
    const lock = lockRunDir(dir, at(0));
    expect(lock.owner.pid).toBe(300);
    lock.release();
  });

  it('a lock from this host taken before a reboot is stale even when its pid runs again', () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 100, host: 'here', boot: 'boot-1', started: 'then' }));
    const before: ProcessProbe = { ...probe(300, [100, 300]), boot: 'boot-1' };
    const after: ProcessProbe = { ...probe(300, [100, 300]), boot: 'boot-2' };
    expect(runIsLocked(dir, before)).toBe(true);
    expect(runIsLocked(dir, after)).toBe(false);
  });

  it('a FIFO or a device named run.lock is refused, never read (no hang)', () => {
    const dir = folder();
    spawnSync('mkfifo', [join(dir, LOCK_FILE)]);
    expect(refusal(() => lockRunDir(dir, probe(300, [300])))).toMatch(/IB6202: .*the lock file cannot be read: it is a named pipe/);
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
