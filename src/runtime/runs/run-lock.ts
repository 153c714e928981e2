/**
 * One writer per run directory. `ibc train` (fresh or --resume) holds
 * `<run>/run.lock` while it writes; the file holds the writer's process id,
 * host, boot id and start time as JSON, and its modification time is the
 * writer's heartbeat: the holder touches it every HEARTBEAT_MS while it
 * trains. The file is created with O_EXCL, so two writers racing for a free
 * directory cannot both win. A second writer is refused, naming the holder,
 * unless the lock is stale (`lockIsStale`, the one rule everything uses):
 *
 *   - empty or half-written (a writer killed while creating it);
 *   - from this host: its process no longer runs, or the host has rebooted
 *     since (another boot id: no process of that boot survives);
 *   - from another host (a cluster node; its processes cannot be asked from
 *     here): its heartbeat is older than STALE_AFTER_MS. A writer killed by
 *     SIGTERM or SIGKILL on node A stops touching the file, so a rerun on
 *     node B takes the run over once the heartbeat is that old.
 */
import { closeSync, constants, openSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runError, reasonOf } from '../../support/errors.js';
import { readFileOf } from '../../host/read-file.js';
import { processIsAlive } from '../../host/process.js';

export const LOCK_FILE = 'run.lock';

/** How often a holder touches its lock. */
export const HEARTBEAT_MS = 30_000;
/** A lock from another host whose heartbeat is older than this is stale (20 missed heartbeats: clock skew and a slow shared file system included). */
export const STALE_AFTER_MS = 10 * 60_000;

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** The kernel's boot id (/proc/sys/kernel/random/boot_id) when the lock was taken. */
  readonly boot?: string;
  readonly started: string;
}

export interface RunLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still this lock's, and stops the heartbeat. Safe to call twice. */
  release(): void;
}

/** What the lock needs from the process table and the clock; tests substitute it. */
export interface ProcessProbe {
  readonly pid: number;
  readonly host: string;
  /** This host's boot id, where the system has one. */
  readonly boot?: string;
  isAlive(pid: number): boolean;
  /** Milliseconds since the epoch (default: Date.now). */
  now?(): number;
}


/** The kernel's boot id: changes at every boot (Linux), undefined elsewhere. */
export function bootId(): string | undefined {
  const outcome = readFileOf('record', '/proc/sys/kernel/random/boot_id');
  if (!outcome.ok) return undefined;
  const id = new TextDecoder().decode(outcome.bytes).trim();
  return /^[0-9a-f-]{8,64}$/i.test(id) ? id : undefined;
}

const BOOT = bootId();

export const thisProcess: ProcessProbe = { pid: process.pid, host: hostname(), ...(BOOT !== undefined ? { boot: BOOT } : {}), isAlive: processIsAlive };

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.started === 'string') {
      return { pid: value.pid, host: value.host, ...(typeof value.boot === 'string' ? { boot: value.boot } : {}), started: value.started };
    }
  } catch {
    // half-written or not ours: stale
  }
  return undefined;
}

/** A lock as found on disk: its owner (undefined when unreadable as one) and its heartbeat. */
export interface FoundLock {
  readonly owner: LockOwner | undefined;
  /** The lock file's modification time, ms since the epoch. */
  readonly heartbeat: number;
}

/** The lock in `path`, 'gone' when there is none. Never blocks: a FIFO or device named run.lock is refused, not read. */
export function readLock(path: string): FoundLock | 'gone' {
  const outcome = readFileOf('record', path);
  if (!outcome.ok) {
    if (outcome.problem.kind === 'missing') return 'gone';
    throw runError('runDirWriteFailed', { path, reason: `the lock file cannot be read: ${outcome.problem.reason}` });
  }
  let heartbeat = 0;
  try {
    heartbeat = statSync(path).mtimeMs;
  } catch {
    return 'gone';
  }
  return { owner: parseOwner(new TextDecoder().decode(outcome.bytes)), heartbeat };
}

/** Why a lock is stale (a reason in words), or undefined while its holder may still be writing. The one rule for every reader of run.lock. */
export function lockIsStale(found: FoundLock, probe: ProcessProbe = thisProcess): string | undefined {
  const { owner } = found;
  if (!owner) return 'it is empty or half-written';
  if (owner.host === probe.host) {
    if (owner.boot !== undefined && probe.boot !== undefined && owner.boot !== probe.boot) return 'this host has rebooted since it was taken';
    if (owner.pid === probe.pid) return undefined;
    return probe.isAlive(owner.pid) ? undefined : `process ${owner.pid} no longer runs`;
  }
  const age = (probe.now ?? Date.now)() - found.heartbeat;
  return age > STALE_AFTER_MS ? `its heartbeat from host '${owner.host}' is ${Math.round(age / 60_000)} minutes old` : undefined;
}

/** Whether `runDir` is being written right now by a live holder of its lock (the lock rule above). */
export function runIsLocked(runDir: string, probe: ProcessProbe = thisProcess): boolean {
  try {
    const found = readLock(join(runDir, LOCK_FILE));
    return found !== 'gone' && lockIsStale(found, probe) === undefined;
  } catch {
    return false;
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted under the name cannot block the open (O_EXCL refuses it anyway).
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NONBLOCK, 0o644);
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
  const owner: LockOwner = { pid: probe.pid, host: probe.host, ...(probe.boot !== undefined ? { boot: probe.boot } : {}), started: now.toISOString() };
  // Two rounds: the second after removing a stale lock (another process may take it first; then it holds it).
  for (let round = 0; round < 2; round++) {
    if (tryCreate(path, owner)) return makeLock(path, owner, probe === thisProcess);
    const found = readLock(path);
    if (found === 'gone') continue;
    const holder = found.owner;
    if (holder && (holder.pid === probe.pid && holder.host === probe.host ? true : lockIsStale(found, probe) === undefined)) {
      const where = holder.host !== probe.host ? ` on host '${holder.host}' (its heartbeat is ${Math.max(0, Math.round(((probe.now ?? Date.now)() - found.heartbeat) / 1000))} s old; it is taken over once older than ${STALE_AFTER_MS / 60_000} minutes)` : '';
      throw runError('runDirLocked', { path: runDir, pid: holder.pid, where, started: holder.started, lock: path });
    }
    try {
      unlinkSync(path); // stale: its writer is gone
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw runError('runDirWriteFailed', { path, reason: reasonOf(error) });
    }
  }
  const found = readLock(path);
  const holder = found !== 'gone' ? found.owner : undefined;
  throw runError('runDirLocked', { path: runDir, pid: holder?.pid ?? 'unknown', where: '', started: holder?.started ?? 'just now', lock: path });
}

/** Sleeps the thread (the lock waits are short and the callers synchronous). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A short exclusive lock on a file that several processes update (a sweep's
 * sweep.json): waits while a live holder has it (up to `waitMs`), takes over
 * a stale one (the same rule as run.lock), and returns its release. For
 * read-modify-write updates that take milliseconds, not for whole runs.
 */
export function holdFileLock(path: string, waitMs = 60_000, probe: ProcessProbe = thisProcess): () => void {
  const owner: LockOwner = { pid: probe.pid, host: probe.host, ...(probe.boot !== undefined ? { boot: probe.boot } : {}), started: new Date().toISOString() };
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(200, delay * 2)) {
    if (tryCreate(path, owner)) {
      return () => {
        try {
          const found = readLock(path);
          if (found !== 'gone' && found.owner?.pid === owner.pid && found.owner.started === owner.started) unlinkSync(path);
        } catch {
          // gone already
        }
      };
    }
    const found = readLock(path);
    if (found !== 'gone' && lockIsStale(found, probe) !== undefined) {
      try {
        unlinkSync(path);
      } catch {
        // another process removed it first
      }
      continue;
    }
    if (Date.now() > deadline) {
      const holder = found === 'gone' ? undefined : found.owner;
      throw runError('runDirLocked', { path, pid: holder?.pid ?? 'unknown', where: holder && holder.host !== probe.host ? ` on host '${holder.host}'` : '', started: holder?.started ?? 'just now', lock: path });
    }
    sleepSync(delay);
  }
}

/** The lock's heartbeat: touches the file while held (only for this process's own locks; tests' probes are not real holders). */
function startHeartbeat(path: string): () => void {
  const timer = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // gone (released, or taken over after a long stall): nothing to keep alive
    }
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function makeLock(path: string, owner: LockOwner, beat: boolean): RunLock {
  let released = false;
  const stopHeartbeat = beat ? startHeartbeat(path) : () => undefined;
  return {
    path,
    owner,
    release() {
      if (released) return;
      released = true;
      stopHeartbeat();
      let found: FoundLock | 'gone';
      try {
        found = readLock(path);
      } catch {
        return;
      }
      const holder = found === 'gone' ? undefined : found.owner;
      if (!holder || holder.pid !== owner.pid || holder.started !== owner.started) return;
      try {
        unlinkSync(path);
      } catch {
        // already gone: nothing to release
      }
    },
  };
}
