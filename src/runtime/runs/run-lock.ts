/**
 * One writer per run directory. `ibc train` (fresh or --resume) holds
 * `<run>/run.lock` while it writes; the file holds the writer's process id,
 * host and start time as JSON. A second writer is refused with the holder's
 * pid. A lock whose process no longer runs (killed, crashed) is stale and is
 * taken over; so is one that is empty or half-written (a writer killed while
 * creating it). The file is created with O_EXCL, so two writers racing for a
 * free directory cannot both win.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runError, reasonOf } from '../../support/errors.js';

export const LOCK_FILE = 'run.lock';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

export interface RunLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still this lock's. Safe to call twice. */
  release(): void;
}

/** What the lock needs from the process table; tests substitute it. */
export interface ProcessProbe {
  readonly pid: number;
  readonly host: string;
  isAlive(pid: number): boolean;
}

/** Signal 0 tests for existence without sending anything; EPERM means it exists but is not ours. */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

export const thisProcess: ProcessProbe = { pid: process.pid, host: hostname(), isAlive: processIsAlive };

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.started === 'string') return { pid: value.pid, host: value.host, started: value.started };
  } catch {
    // half-written or not ours: stale
  }
  return undefined;
}

function readOwner(path: string): LockOwner | undefined | 'gone' {
  try {
    return parseOwner(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 'gone';
    throw runError('runDirWriteFailed', { path, reason: reasonOf(error) });
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw runError('runDirWriteFailed', { path, reason: reasonOf(error) });
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Takes the run directory's lock or throws `runDirLocked` naming the process that holds it. */
export function lockRunDir(runDir: string, probe: ProcessProbe = thisProcess, now: Date = new Date()): RunLock {
  const path = join(runDir, LOCK_FILE);
  const owner: LockOwner = { pid: probe.pid, host: probe.host, started: now.toISOString() };
  // Two rounds: the second after removing a stale lock (another process may take it first; then it holds it).
  for (let round = 0; round < 2; round++) {
    if (tryCreate(path, owner)) return makeLock(path, owner);
    const holder = readOwner(path);
    if (holder === 'gone') continue;
    if (holder && (holder.host !== probe.host || holder.pid === probe.pid || probe.isAlive(holder.pid))) {
      const where = holder.host !== probe.host ? ` on host '${holder.host}' (its liveness cannot be checked from here)` : '';
      throw runError('runDirLocked', { path: runDir, pid: holder.pid, where, started: holder.started, lock: path });
    }
    try {
      unlinkSync(path); // stale: its writer is gone
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw runError('runDirWriteFailed', { path, reason: reasonOf(error) });
    }
  }
  const holder = readOwner(path);
  const pid = holder && holder !== 'gone' ? holder.pid : 'unknown';
  throw runError('runDirLocked', { path: runDir, pid, where: '', started: holder && holder !== 'gone' ? holder.started : 'just now', lock: path });
}

function makeLock(path: string, owner: LockOwner): RunLock {
  let released = false;
  return {
    path,
    owner,
    release() {
      if (released) return;
      released = true;
      const holder = readOwner(path);
      if (holder === 'gone' || !holder || holder.pid !== owner.pid || holder.started !== owner.started) return;
      try {
        unlinkSync(path);
      } catch {
        // already gone: nothing to release
      }
    },
  };
}
