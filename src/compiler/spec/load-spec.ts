/**
 * The whole spec front end: read the file (and what it extends), parse, build the document,
 * merge, validate, resolve, check — every diagnostic of every stage in one
 * pass, sorted and de-duplicated. The value is present only when there are no
 * errors.
 */
import { basename, extname } from 'node:path';
import type { Result } from '../../diagnostics/diagnostic.js';
import { hasErrors, sortAndDedupe } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { FileSystem } from '../../host/file-system.js';
import type { ResolvedSpec } from './resolved-spec.js';
import { checkDocument, type DocumentInput } from './check-document.js';
import { addOverrideSources, applyOverrides } from './overrides.js';
import { loadDocument } from './extends.js';
import { expandMembers, sweepEntries, sweepMemberCount, sweepSlurmSettings, type SweepMember, type SweepSlurmSettings } from './sweep.js';

export interface LoadSpecOptions {
  /** Receives the text of every file read (path -> text), for code frames. */
  readonly sources?: Map<string, string>;
  /** Command-line overrides (`model.attention.beta=0.1`), merged over the spec (overrides.ts). */
  readonly overrides?: readonly string[];
  /** Whether an override listing values (`PATH=a,b,c`) is a sweep axis (check, expand; loadSweep always); else an error (IB3500). */
  readonly sweeps?: boolean;
}

/** The spec's document after `extends`, with the command-line overrides merged over it. */
function loadWithOverrides(path: string, fs: FileSystem, options: LoadSpecOptions): Result<DocumentInput> {
  const sources = options.sources ?? new Map<string, string>();
  const loaded = loadDocument(path, fs, sources);
  const overrides = options.overrides ?? [];
  addOverrideSources(overrides, sources);
  if (!loaded.value) return loaded;
  const applied = applyOverrides(loaded.value, overrides, { sweeps: options.sweeps === true });
  return { value: applied.value, diagnostics: [...loaded.diagnostics, ...applied.diagnostics] };
}

export function loadSpec(path: string, fs: FileSystem, options: LoadSpecOptions = {}): Result<ResolvedSpec> {
  return reportingBugs(() => loadSpecUnchecked(path, fs, options));
}

function loadSpecUnchecked(path: string, fs: FileSystem, options: LoadSpecOptions): Result<ResolvedSpec> {
  const loaded = loadWithOverrides(path, fs, options);
  if (!loaded.value) return { value: undefined, diagnostics: sortAndDedupe(loaded.diagnostics) };
  const checked = checkDocument(loaded.value, fs, path);
  const diagnostics = [...loaded.diagnostics, ...checked.diagnostics];
  // A sweep's values are checked too, so `ibc check` finds a bad value before `ibc expand` does.
  if (sweepEntries(loaded.value.document).length > 0) {
    for (const item of expandMembers(loaded.value, specName(loaded.value.document.name, path), fs, path).diagnostics) diagnostics.push(item);
  }
  const sorted = sortAndDedupe(diagnostics);
  return { value: hasErrors(sorted) ? undefined : checked.spec, diagnostics: sorted };
}

/** The members of the sweep in `path` (an empty list when it has none), each a checked ResolvedSpec. */
export function loadSweep(path: string, fs: FileSystem, options: LoadSpecOptions = {}): Result<SweepMember[]> {
  return reportingBugs(() => loadSweepUnchecked(path, fs, options));
}

function loadSweepUnchecked(path: string, fs: FileSystem, options: LoadSpecOptions): Result<SweepMember[]> {
  const loaded = loadWithOverrides(path, fs, { ...options, sweeps: true });
  if (!loaded.value) return { value: undefined, diagnostics: sortAndDedupe(loaded.diagnostics) };
  const base = checkDocument(loaded.value, fs, path);
  const members = expandMembers(loaded.value, specName(loaded.value.document.name, path), fs, path);
  const sorted = sortAndDedupe([...loaded.diagnostics, ...base.diagnostics, ...members.diagnostics]);
  return { value: hasErrors(sorted) ? undefined : members.value, diagnostics: sorted };
}

/** A crash in the front end is a bug in ibc: it becomes an internal-error diagnostic, never the user's fault. */
function reportingBugs<T>(run: () => Result<T>): Result<T> {
  try {
    return run();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { value: undefined, diagnostics: [diagnostic('internalError', { args: { stage: 'spec', detail } })] };
  }
}

function specName(name: unknown, path: string): string {
  return typeof name === 'string' ? name : basename(path, extname(path));
}

/** The number of members of the sweep in `path` (0 when it has none or cannot be read), for "this spec has a sweep" notes. */
export function sweepSize(path: string, fs: FileSystem): number {
  try {
    const loaded = loadDocument(path, fs, new Map());
    return loaded.value ? sweepMemberCount(loaded.value.document) : 0;
  } catch {
    return 0;
  }
}

/** The `slurm` settings of the sweep in `path` (after overrides), if it has them; the spec's problems are reported by loadSweep. */
export function loadSweepSlurmSettings(path: string, fs: FileSystem, options: LoadSpecOptions = {}): SweepSlurmSettings | undefined {
  const loaded = loadWithOverrides(path, fs, { ...options, sources: new Map(), sweeps: true });
  return loaded.value ? sweepSlurmSettings(loaded.value.document) : undefined;
}
