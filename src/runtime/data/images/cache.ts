/**
 * The image cache: decoded, resized images of folder data sets, kept on disk
 * so that a rerun, a resume and every sweep member after the first start
 * training within seconds. It is the one place ibc writes outside the paths a
 * user names.
 *
 * Location (`cacheDir`): --data-cache DIR, else $IBC_CACHE_DIR, else
 * $XDG_CACHE_HOME/ibc, else ~/.cache/ibc; images go to its images/ folder.
 * `--data-cache off` (or IBC_CACHE_DIR=off) turns it off. Deleting the folder
 * at any time is safe: entries are rebuilt when next needed.
 *
 * Layout: images/v1/<slot>/<key>/ with index.json, layout.bin and
 * shard-NNNNN.bin. The slot is a hash of what the entry is for (the folder's
 * absolute path, the decoder and its version, the stored-size rule, the
 * channel count and which of the folder's files are used); the key is a hash
 * of those files' relative paths, sizes and modification times (to the
 * nanosecond). Any change to a file gives a new key: the old entry is not
 * used again, and is removed when the new one is complete.
 *
 * Safety: one writer per slot at a time (writer.lock, created exclusively,
 * holding pid, host and start time, touched every few seconds while held).
 * Others wait for it and then use what it wrote. A lock whose process is gone
 * (same host), or that has not been touched for a minute (another host), is
 * stale and taken over. An entry is written into <key>.tmp-<pid>/ and renamed
 * into place when complete, so a kill mid-write leaves no entry, only a
 * temporary folder that the next writer removes. An entry whose files do not
 * match its index (a damaged disk, a hand edit) is rebuilt.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { fileKind, readFileOf, readTextIfReadable } from '../../../host/read-file.js';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { runError, reasonOf } from '../../../support/errors.js';
import { LAYOUT_FIELDS, newLayout } from './store.js';
import { processIsAlive } from '../../../host/process.js';

/** Environment variables the cache location reads. */
export interface CacheEnvironment {
  readonly IBC_CACHE_DIR?: string | undefined;
  readonly XDG_CACHE_HOME?: string | undefined;
  readonly HOME?: string | undefined;
}

/** The cache folder, or undefined when the cache is off ('off' given as the option or in IBC_CACHE_DIR). */
export function resolveCacheDir(option: string | undefined, env: CacheEnvironment = process.env, cwd: string = process.cwd()): string | undefined {
  const chosen = option ?? env.IBC_CACHE_DIR;
  if (chosen === 'off') return undefined;
  if (chosen !== undefined && chosen !== '') return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'ibc');
  return join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.cache', 'ibc');
}

export function hashText(parts: Iterable<string>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

const FORMAT = 'ibc-image-cache';
const VERSION = 1;
/** How long a lock may go untouched before another host's writer counts as gone. */
const STALE_MS = 60_000;
const HEARTBEAT_MS = 5_000;
const POLL_MS = 200;

/** A file of the folder that could not be used, by its index among the files the entry is for. */
export interface UnusableFile {
  readonly index: number;
  readonly path: string;
  readonly reason: string;
}

export interface EntryIndex {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly decoder: string;
  readonly channels: number;
  /** Files the entry is for, usable or not. */
  readonly files: number;
  /** Images stored (files minus unusable ones), in file order. */
  readonly count: number;
  readonly bytes: number;
  readonly shards: readonly number[];
  readonly unusable: readonly UnusableFile[];
}

/** A complete entry, as read back. */
export interface CacheEntry {
  readonly dir: string;
  readonly index: EntryIndex;
  /** count * LAYOUT_FIELDS integers on shared memory. */
  readonly layout: Int32Array;
  readonly shardPaths: readonly string[];
}

export function shardName(i: number): string {
  return `shard-${String(i).padStart(5, '0')}.bin`;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}


/**
 * A lock file's text through the bounded reader (a pipe or device planted under its name is
 * refused, never waited on); a missing file throws fs's ENOENT, other problems an Error.
 */
function lockText(path: string): string {
  const outcome = readFileOf('record', path);
  if (outcome.ok) return new TextDecoder().decode(outcome.bytes);
  if (outcome.problem.kind === 'missing') throw Object.assign(new Error(outcome.problem.reason), { code: 'ENOENT' });
  throw new Error(outcome.problem.reason);
}

function isMissing(error: unknown): boolean {
  return (error as { code?: string }).code === 'ENOENT';
}

/** One slot of the cache (see above). */
export class CacheSlot {
  readonly dir: string;

  constructor(
    cacheDir: string,
    slot: string,
    readonly key: string,
  ) {
    this.dir = join(cacheDir, 'images', `v${VERSION}`, slot);
  }

  get entryDir(): string {
    return join(this.dir, this.key);
  }

  private get lockPath(): string {
    return join(this.dir, 'writer.lock');
  }

  /** The complete entry for this key, or undefined (none, or one that does not match its index). */
  read(): CacheEntry | undefined {
    const dir = this.entryDir;
    let index: EntryIndex;
    try {
      const text = readTextIfReadable('record', join(dir, 'index.json'));
      if (text === undefined) return undefined;
      index = JSON.parse(text) as EntryIndex;
    } catch {
      return undefined;
    }
    if (index.format !== FORMAT || index.version !== VERSION || !Array.isArray(index.shards) || !Array.isArray(index.unusable)) return undefined;
    const shardPaths = index.shards.map((_, i) => join(dir, shardName(i)));
    try {
      if (index.shards.some((bytes, i) => statSync(shardPaths[i]!).size !== bytes)) return undefined;
      const layoutPath = join(dir, 'layout.bin');
      if (statSync(layoutPath).size !== index.count * LAYOUT_FIELDS * 4) return undefined;
      const layout = newLayout(index.count);
      readInto(layoutPath, new Uint8Array(layout.buffer, layout.byteOffset, layout.byteLength));
      return { dir, index, layout, shardPaths };
    } catch {
      return undefined;
    }
  }

  /**
   * Takes the slot's writer lock, waiting while another live process holds it
   * (`onWait` once, naming it). Resolves early with the entry when the holder
   * finishes writing it meanwhile.
   */
  async lock(onWait: (holder: string) => void): Promise<{ kind: 'locked'; lock: SlotLock } | { kind: 'entry'; entry: CacheEntry }> {
    mkdirFor(this.dir);
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    let waited = false;
    for (;;) {
      if (this.tryCreateLock(owner)) return { kind: 'locked', lock: new SlotLock(this.lockPath, owner) };
      const holder = this.readHolder();
      if (holder === 'gone') continue;
      if (holder === undefined || this.isStale(holder)) {
        this.removeLock();
        continue;
      }
      if (!waited) {
        waited = true;
        onWait(`ibc process ${holder.pid}${holder.host !== owner.host ? ` on host '${holder.host}'` : ''}, writing since ${holder.started}`);
      }
      await new Promise<void>((done) => setTimeout(done, POLL_MS));
      const entry = this.read();
      if (entry) return { kind: 'entry', entry };
    }
  }

  /** Starts writing this key's entry; call with the lock held. Removes what killed writers left. */
  writer(): EntryWriter {
    this.removeTemporaries();
    return new EntryWriter(this.dir, this.key);
  }

  private tryCreateLock(owner: LockOwner): boolean {
    let fd: number;
    try {
      fd = openSync(this.lockPath, 'wx');
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') return false;
      throw runError('dataCacheWriteFailed', { path: this.lockPath, reason: reasonOf(error) });
    }
    try {
      writeSync(fd, `${JSON.stringify(owner)}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /** The holder, undefined for a half-written lock, 'gone' when it vanished meanwhile. */
  private readHolder(): LockOwner | undefined | 'gone' {
    try {
      const value = JSON.parse(lockText(this.lockPath)) as Partial<LockOwner>;
      if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.started === 'string') return { pid: value.pid, host: value.host, started: value.started };
      return undefined;
    } catch (error) {
      if (isMissing(error)) return 'gone';
      if (error instanceof SyntaxError) return this.lockAgeMs() > STALE_MS ? undefined : { pid: 0, host: '?', started: 'just now' };
      throw runError('dataCacheWriteFailed', { path: this.lockPath, reason: reasonOf(error) });
    }
  }

  private lockAgeMs(): number {
    try {
      return Date.now() - statSync(this.lockPath).mtimeMs;
    } catch {
      return 0;
    }
  }

  private isStale(holder: LockOwner): boolean {
    if (holder.host === hostname()) return holder.pid !== process.pid && !processIsAlive(holder.pid);
    return this.lockAgeMs() > STALE_MS;
  }

  private removeLock(): void {
    try {
      unlinkSync(this.lockPath);
    } catch (error) {
      if (!isMissing(error)) throw runError('dataCacheWriteFailed', { path: this.lockPath, reason: reasonOf(error) });
    }
  }

  /** Temporary folders of killed writers (only the lock holder writes, so every one is dead). */
  private removeTemporaries(): void {
    for (const name of safeList(this.dir)) {
      if (/\.tmp-\d+$/.test(name)) rmSync(join(this.dir, name), { recursive: true, force: true });
    }
  }
}

export class SlotLock {
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private released = false;

  constructor(
    private readonly path: string,
    private readonly owner: LockOwner,
  ) {
    // Touch the lock while holding it, so that a waiter on another host can tell a live writer from a dead one.
    this.heartbeat = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(this.path, now, now);
      } catch {
        // the next touch may succeed; a missed one only risks a takeover after a minute
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    try {
      const holder = JSON.parse(lockText(this.path)) as Partial<LockOwner>;
      if (holder.pid === this.owner.pid && holder.started === this.owner.started) unlinkSync(this.path);
    } catch {
      // gone or replaced: not ours to remove
    }
  }
}

/** Writes one entry into a temporary folder; `commit` renames it into place. */
export class EntryWriter {
  private readonly temporary: string;
  private readonly shardBytes: number[] = [];
  private done = false;

  constructor(
    private readonly slotDir: string,
    private readonly key: string,
  ) {
    this.temporary = join(slotDir, `${key}.tmp-${process.pid}`);
    mkdirFor(this.temporary);
  }

  /** Appends the next shard (its images' bytes, one after another). */
  writeShard(parts: readonly Uint8Array[]): void {
    const i = this.shardBytes.length;
    const path = join(this.temporary, shardName(i));
    this.shardBytes.push(writeParts(path, parts));
  }

  /** Writes the index and layout, renames the entry into place and removes the slot's other entries. */
  commit(meta: Omit<EntryIndex, 'format' | 'version' | 'shards'>, layout: Int32Array): { dir: string; shardPaths: string[]; shardSizes: number[] } {
    const index: EntryIndex = { format: FORMAT, version: VERSION, ...meta, shards: this.shardBytes };
    writeParts(join(this.temporary, 'layout.bin'), [new Uint8Array(layout.buffer, layout.byteOffset, layout.byteLength)]);
    writeParts(join(this.temporary, 'index.json'), [new TextEncoder().encode(`${JSON.stringify(index)}\n`)]);
    const final = join(this.slotDir, this.key);
    try {
      renameSync(this.temporary, final);
    } catch (error) {
      // A complete entry is already there (another writer finished it first): keep it, drop ours.
      if (!existsSync(join(final, 'index.json'))) throw runError('dataCacheWriteFailed', { path: final, reason: reasonOf(error) });
      rmSync(this.temporary, { recursive: true, force: true });
    }
    this.done = true;
    for (const name of safeList(this.slotDir)) {
      if (name !== this.key && !name.endsWith('.lock') && !/\.tmp-\d+$/.test(name)) rmSync(join(this.slotDir, name), { recursive: true, force: true });
    }
    return { dir: final, shardPaths: this.shardBytes.map((_, i) => join(final, shardName(i))), shardSizes: [...this.shardBytes] };
  }

  /** Removes the temporary folder (a failed or abandoned build). Safe after commit. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    rmSync(this.temporary, { recursive: true, force: true });
  }
}

function mkdirFor(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw runError('dataCacheWriteFailed', { path: dir, reason: reasonOf(error) });
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Writes and flushes a file; returns its size. */
function writeParts(path: string, parts: readonly Uint8Array[]): number {
  let fd: number | undefined;
  let total = 0;
  try {
    fd = openSync(path, 'w');
    for (const part of parts) {
      let done = 0;
      while (done < part.length) {
        const n = writeSync(fd, part, done, part.length - done);
        if (!(n > 0)) throw new Error(`write made no progress (${n} bytes)`);
        done += n;
      }
      total += part.length;
    }
    fsyncSync(fd);
  } catch (error) {
    throw runError('dataCacheWriteFailed', { path, reason: reasonOf(error) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return total;
}

/** Fills `target` from the start of the file at `path` (a regular file: opened without blocking and checked, as the bounded reader does). */
export function readInto(path: string, target: Uint8Array): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error(`'${path}' is ${fileKind(stats)}, not a regular file`);
    if (stats.size < target.length) throw new Error(`'${path}' ends at byte ${stats.size}, expected ${target.length}`);
    let done = 0;
    while (done < target.length) {
      const n = readSync(fd, target, done, target.length - done, done);
      if (n <= 0) throw new Error(`'${path}' ends at byte ${done}, expected ${target.length}`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}
