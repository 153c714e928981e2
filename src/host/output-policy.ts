/**
 * The one output policy of every command that writes files the user asked
 * for (compile, attention, expand, fmt --write, results plots, a run's
 * figures, a sweep's generated files):
 *
 *   1. an existing file is replaced only when ibc wrote it (the caller
 *      recognises its own files: a mark in the file, a header line, a file of
 *      a folder ibc owns) or the user passed --overwrite; a folder is never
 *      replaced by a file. Otherwise nothing is written and the refusal names
 *      the files (git's rule for untracked files);
 *   2. every file goes to a temporary next to it, and only when all are
 *      written are they renamed into place (the index file last), keeping the
 *      mode of a file they replace;
 *   3. a failure part-way (a full disk, a read-only folder) removes the
 *      temporaries, the files of this set that were new, and the folders this
 *      call created: nothing half-made stays under a final name;
 *   4. files of an earlier call that the new set no longer has are removed
 *      only once the new set is in place, and only when ibc wrote them;
 *   5. what the command reads (the spec it compiles or expands, a run's own
 *      files) is never written, even with --overwrite (`cp a a`: IB6807).
 */
import { lstatSync, realpathSync, rmdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { runError, reasonOf, type RunError } from '../support/errors.js';
import { makeFolder, writeFilesAtomic, type AtomicWriteIo, nodeAtomicWriteIo } from './atomic-write.js';

export interface OutputFile {
  readonly path: string;
  readonly chunks: Iterable<Uint8Array>;
  /** The mode of a new file (a replaced file keeps its own). */
  readonly mode?: number;
}

export interface OutputSet {
  /** What is being written, for messages ("attention images", "the ONNX model"). */
  readonly what: string;
  /** Renamed into place in this order: the file that makes the set usable (model.json, grid.png) last. */
  readonly files: readonly OutputFile[];
  /** Whether an existing file at `path` was written by ibc (so it may be replaced or removed without --overwrite). */
  readonly ours: (path: string) => boolean;
  /** The user's permission to replace files ibc did not write. */
  readonly overwrite: boolean;
  /** Files of an earlier call to remove once the new set is in place (each must be `ours`). */
  readonly stale?: readonly string[];
  /** How the user grants permission, for the refusal (default "--overwrite"). */
  readonly overwriteHint?: string;
  /** What the command reads: no file of the set may be one of them, or lie inside one marked `within` (rule 5). */
  readonly inputs?: readonly ReadPath[];
}

/** A path a command reads. `within`: a folder whose every file is read too (a run's checkpoints/), so nothing may be written inside it. */
export interface ReadPath {
  readonly path: string;
  readonly within: boolean;
}

/** `path` absolute, through the links of its longest existing prefix (a link to a run folder is that folder). */
function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(canonical(parent), basename(absolute));
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Refuses (IB6807), with or without --overwrite, an output that is one of
 * the paths the command reads or lies inside one marked `within`. A new file
 * next to a run's own files (runs/a/export.onnx) is fine: it is not the run.
 */
export function requireApartFromInputs(outputs: readonly string[], inputs: readonly ReadPath[]): void {
  const read = inputs.map((p) => ({ path: canonical(p.path), within: p.within, shown: p.path }));
  for (const out of outputs) {
    const target = canonical(out);
    const input = read.find((p) => (p.within ? isInside(p.path, target) : p.path === target));
    if (input !== undefined) throw runError('outputIsInput', { out, input: input.shown });
  }
}

type Existing = 'missing' | 'file' | 'folder' | 'other';

function existing(path: string): Existing {
  try {
    const stats = lstatSync(path);
    if (stats.isDirectory()) return 'folder';
    return stats.isFile() || stats.isSymbolicLink() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/** The paths of `set` that ibc would replace without permission, or that no permission lets it replace (folders). */
export function conflictsOf(set: OutputSet): { refused: string[]; folders: string[] } {
  const refused: string[] = [];
  const folders: string[] = [];
  for (const file of set.files) {
    const kind = existing(file.path);
    if (kind === 'folder') folders.push(file.path);
    else if (kind !== 'missing' && !set.ours(file.path)) refused.push(file.path);
  }
  return { refused, folders };
}

function listed(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).map((p) => `'${p}'`).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

/** Throws the refusal when `set` would replace what ibc did not write (and --overwrite was not given). Nothing is written. */
export function requireMayWrite(set: OutputSet): void {
  if (set.inputs) requireApartFromInputs(set.files.map((f) => f.path), set.inputs);
  const { refused, folders } = conflictsOf(set);
  if (folders.length > 0) throw runError('outputIsFolder', { what: set.what, paths: listed(folders) });
  if (refused.length > 0 && !set.overwrite) {
    throw runError('outputExists', { what: set.what, count: refused.length, paths: listed(refused), hint: set.overwriteHint ?? 'pass --overwrite to replace them' });
  }
}

/** Creates `dir` and its missing parents one level at a time; returns the folders it created, outermost first. */
export function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  let at = dir;
  while (existing(at) === 'missing') {
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  const created: string[] = [];
  for (const folder of missing.reverse()) {
    makeFolder(folder);
    created.push(folder);
  }
  return created;
}

/** Removes the folders a failed call created, innermost first, where they are empty. */
function removeFolders(created: readonly string[]): void {
  for (const folder of [...created].reverse()) {
    try {
      rmdirSync(folder);
    } catch {
      // not empty (someone else's files) or gone: leave it
    }
  }
}

/** Writes `set` under the policy above; returns the paths written. Failures are RunErrors (`outputWriteFailed`). */
export function commitOutputs(set: OutputSet, io: AtomicWriteIo = nodeAtomicWriteIo): string[] {
  requireMayWrite(set);
  const created: string[] = [];
  const fail = (path: string, reason: string): RunError => runError('outputWriteFailed', { path, reason: `${reason} (${set.what}: nothing half-written was left behind)` });
  try {
    for (const folder of new Set(set.files.map((f) => dirname(f.path)))) for (const made of makeFolders(folder)) created.push(made);
  } catch (error) {
    removeFolders(created);
    throw fail(dirname(set.files[0]?.path ?? '.'), reasonOf(error));
  }
  try {
    writeFilesAtomic(set.files, io, fail);
  } catch (error) {
    removeFolders(created);
    throw error;
  }
  const written = new Set(set.files.map((f) => f.path));
  for (const path of set.stale ?? []) {
    if (written.has(path) || !set.ours(path)) continue;
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw runError('outputWriteFailed', { path, reason: `the earlier output could not be removed: ${reasonOf(error)}` });
    }
  }
  return set.files.map((f) => f.path);
}
