/**
 * The run directory: everything a run writes lives inside it, and nothing a
 * spec says may place a file outside it.
 *
 * Layout (created by the trainer through these helpers):
 *   <base>/<spec-name>-<yyyymmdd-hhmmss>[-N]/
 *     resolved-spec.json   the fully resolved spec (origin spans dropped)
 *     metrics.jsonl        one JSON object per line, one line per epoch
 *     summary.json         written atomically at the end (and may be rewritten)
 *     *.ckpt, attention/   checkpoints and attention images
 */
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { appendText } from '../../host/append-file.js';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { runError, reasonOf } from '../../support/errors.js';
import { writeTextAtomic } from '../../host/atomic-write.js';
import { isSourceOnlyKey } from '../../compiler/spec/serialize.js';
import { LOCK_FILE } from './run-lock.js';

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The absolute path of `relativePath` inside `runDir`. Refuses (RunError
 * `runDirEscape`) absolute paths, paths that climb out with `..`, and paths
 * that leave through a symbolic link (an existing link inside the run
 * directory that points outside it, or a dangling one).
 */
export function resolveInsideRunDir(runDir: string, relativePath: string): string {
  const root = resolve(runDir);
  if (isAbsolute(relativePath)) {
    throw runError('runDirEscape', { path: relativePath, runDir: root, reason: 'absolute paths are not allowed; give a path relative to the run directory' });
  }
  if (relativePath.includes('\0')) {
    throw runError('runDirEscape', { path: relativePath, runDir: root, reason: 'the path contains a NUL character' });
  }
  const target = resolve(root, relativePath);
  if (!isInside(root, target)) {
    throw runError('runDirEscape', { path: relativePath, runDir: root, reason: "it climbs out with '..'" });
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return target; // the run directory does not exist yet: no link inside it can exist either
  }
  // The deepest part of the path that exists decides where a write would really land.
  for (let p = target; ; p = dirname(p)) {
    let exists = true;
    try {
      lstatSync(p);
    } catch {
      exists = false;
    }
    if (exists) {
      let real: string;
      try {
        real = realpathSync(p);
      } catch {
        throw runError('runDirEscape', { path: relativePath, runDir: root, reason: `'${p}' is a symbolic link to nowhere` });
      }
      if (!isInside(realRoot, real)) {
        throw runError('runDirEscape', { path: relativePath, runDir: root, reason: `'${p}' is a symbolic link to '${real}'` });
      }
      return target;
    }
    if (p === root || dirname(p) === p) return target;
  }
}

/**
 * Why creating `path` failed, in words. A recursive mkdir under a read-only
 * mount reports ENOENT ("no such file or directory"), which hides the cause:
 * the nearest folder that exists is asked whether it takes new entries.
 */
export function whyCannotCreate(path: string, error: unknown): string {
  let at = resolve(path);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    accessSync(at, constants.W_OK);
  } catch (access) {
    return `'${at}' does not take new files: ${reasonOf(access)}`;
  }
  return reasonOf(error);
}

/** yyyymmdd-hhmmss in UTC. */
export function timestamp(now: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}-${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
}

/** A spec name made safe as one path component. */
export function safeRunName(specName: string): string {
  const cleaned = specName.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_');
  return cleaned.length > 0 ? cleaned.slice(0, 100) : 'run';
}

/**
 * Creates `<baseDir>/<specName>-<yyyymmdd-hhmmss>` (UTC); when that exists
 * (two runs in the same second), `-2`, `-3`, ... is appended. The folder is
 * claimed with a non-recursive mkdir, so two processes never share one.
 * `baseDir` is the folder that holds runs (the CLI's default is `runs`).
 */
export function createRunDir(baseDir: string, specName: string, now: Date = new Date()): string {
  const base = resolve(baseDir);
  try {
    mkdirSync(base, { recursive: true });
  } catch (error) {
    throw runError('runDirCreateFailed', { path: base, reason: whyCannotCreate(base, error) });
  }
  const stem = `${safeRunName(specName)}-${timestamp(now)}`;
  for (let n = 1; ; n++) {
    const path = join(base, n === 1 ? stem : `${stem}-${n}`);
    try {
      mkdirSync(path);
      return path;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST' && n < 1000) continue;
      throw runError('runDirCreateFailed', { path, reason: whyCannotCreate(path, error) });
    }
  }
}

/** JSON with the spec's source spans (`origin`, `atOrigin`, `pathOrigins`) left out, two-space indented. */
export function specJson(spec: unknown): string {
  return `${JSON.stringify(spec, (key, value: unknown) => (isSourceOnlyKey(key) ? undefined : value), 2)}\n`;
}

export function writeResolvedSpec(runDir: string, spec: unknown): string {
  const path = resolveInsideRunDir(runDir, 'resolved-spec.json');
  writeTextAtomic(path, specJson(spec));
  return path;
}

/** Appends one line to metrics.jsonl (non-finite numbers become null, as JSON requires). */
export function appendMetrics(runDir: string, record: Readonly<Record<string, unknown>>): string {
  const path = resolveInsideRunDir(runDir, 'metrics.jsonl');
  try {
    appendText(path, `${JSON.stringify(record)}\n`);
  } catch (error) {
    throw runError('runDirWriteFailed', { path, reason: reasonOf(error) });
  }
  return path;
}

export function writeSummary(runDir: string, summary: unknown): string {
  const path = resolveInsideRunDir(runDir, 'summary.json');
  writeTextAtomic(path, `${JSON.stringify(summary, null, 2)}\n`);
  return path;
}

/** Creates a folder inside the run directory (e.g. `attention`), refusing escapes. */
export function makeRunSubdir(runDir: string, relativePath: string): string {
  const path = resolveInsideRunDir(runDir, relativePath);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw runError('runDirCreateFailed', { path, reason: whyCannotCreate(path, error) });
  }
  return path;
}

/** What `ibc train` writes in a run directory: all that --overwrite removes. */
const RUN_ENTRIES = ['spec.ibspec', 'resolved-spec.json', 'spec-hash.txt', 'metrics.jsonl', 'metrics-steps.jsonl', 'summary.json', 'checkpoints', 'attention', 'curves.png', 'curves.svg'];

/** The paths of a run folder that are the run itself (what it writes, its lock, its curves): never another command's output. */
export function runOwnPaths(runDir: string): string[] {
  return [...RUN_ENTRIES, LOCK_FILE, 'run.json'].map((entry) => join(runDir, entry));
}

/** Entries that only a run has: any of them makes a folder a run. */
const RUN_EVIDENCE = ['resolved-spec.json', 'spec-hash.txt', 'metrics.jsonl', 'checkpoints', 'summary.json'];

function entriesOf(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw runError('runDirCreateFailed', { path: dir, reason: 'it is a file, not a folder' });
    throw runError('runDirCreateFailed', { path: dir, reason: reasonOf(error) });
  }
}

/**
 * Refuses to train into `dir` when it already holds a run (unless `overwrite`)
 * or other files: a finished run is never destroyed by a new one. A missing or
 * empty folder is fine.
 */
export function refuseExistingRun(dir: string, overwrite: boolean): void {
  // The lock file says who writes the folder now (run-lock.ts); it is not a run's content.
  const entries = entriesOf(dir)?.filter((e) => e !== LOCK_FILE);
  if (entries === undefined || entries.length === 0) return;
  const evidence = RUN_EVIDENCE.filter((e) => entries.includes(e));
  if (evidence.length === 0) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, and ${entries.length - 3} more` : '');
    throw runError('runDirNotEmpty', { path: dir, entries: shown });
  }
  if (!overwrite) throw runError('runDirHoldsRun', { path: dir, evidence: `it has ${evidence.join(', ')}` });
}

/** Removes what a run wrote in `dir` (for --overwrite, after refuseExistingRun allowed it); other files stay. */
export function clearRun(dir: string): void {
  for (const entry of RUN_ENTRIES) {
    const path = resolveInsideRunDir(dir, entry);
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (error) {
      throw runError('runDirWriteFailed', { path, reason: reasonOf(error) });
    }
  }
}
