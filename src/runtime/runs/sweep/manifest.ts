/**
 * The sweep directory's manifest, sweep.json: the members of the sweep as last
 * expanded (name, run folder, generated spec file, swept values, spec hash),
 * the training options every member gets, and the launches so far. It is
 * rewritten atomically, and only through `updateManifest`: under a short lock
 * (sweep.json.lock) the latest manifest is read again and the change applied
 * to it, so two `ibc sweep` on one folder never lose each other's launch
 * records. The run folders themselves are the truth about what has finished
 * (run-status.ts).
 */
import { join } from 'node:path';
import type { Json } from '../../../compiler/spec/spec-document.js';
import { writeTextAtomic } from '../../../host/atomic-write.js';
import { holdFileLock } from '../run-lock.js';
import { runError } from '../../../support/errors.js';
import { parseJson, readFileOf } from '../../../host/read-file.js';

export const MANIFEST_FILE = 'sweep.json';
const FORMAT = 'ibc-sweep';
const VERSION = 1;

export interface ManifestMember {
  readonly name: string;
  /** The run folder, relative to the sweep directory. */
  readonly dir: string;
  /** The generated member spec, relative to the sweep directory. */
  readonly specFile: string;
  /** Swept path -> value, in sweep order. */
  readonly values: Readonly<Record<string, Json>>;
  readonly specHash: string;
  /** Epochs the member trains to. */
  readonly epochs: number;
}

/** Options of `ibc train` that every member gets (not part of the spec hash). */
export interface MemberTrainOptions {
  readonly epochs?: number;
  readonly limitTrain?: number;
  readonly limitVal?: number;
  readonly limitTest?: number;
  readonly backend?: string;
  readonly attention?: number;
}

export interface LaunchRecord {
  /** Unique per launch (time, host and process): how a launch finds its own record to add outcomes. */
  readonly id?: string;
  readonly launcher: 'local' | 'slurm';
  readonly at: string;
  readonly members: readonly string[];
  /** The Slurm job id of the array. */
  readonly job?: string;
  /** The options sbatch was given (before the script and its task folder): what was asked of Slurm. */
  readonly sbatch?: readonly string[];
  /** Member name -> how its task ended, as the launcher saw it. */
  readonly outcomes?: Readonly<Record<string, string>>;
}

export interface SweepManifest {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  /** The swept spec, relative to the sweep directory. */
  readonly spec: string;
  /** Command-line overrides every member got. */
  readonly overrides: readonly string[];
  /** The swept paths, in sweep order. */
  readonly swept: readonly string[];
  readonly train: MemberTrainOptions;
  readonly members: readonly ManifestMember[];
  readonly launches: readonly LaunchRecord[];
}

export function newManifest(fields: Omit<SweepManifest, 'format' | 'version'>): SweepManifest {
  return { format: FORMAT, version: VERSION, ...fields };
}

/** The manifest in `sweepDir`, undefined when there is none; a RunError when it is unreadable. */
export function readManifest(sweepDir: string): SweepManifest | undefined {
  const path = join(sweepDir, MANIFEST_FILE);
  const outcome = readFileOf('log', path);
  if (!outcome.ok) {
    if (outcome.problem.kind === 'missing') return undefined;
    throw runError('sweepManifestUnreadable', { path, reason: outcome.problem.reason });
  }
  const value = parseJson(new TextDecoder().decode(outcome.bytes), (reason) => runError('sweepManifestUnreadable', { path, reason }));
  const m = value as Partial<SweepManifest> | null;
  if (!m || m.format !== FORMAT) throw runError('sweepManifestUnreadable', { path, reason: `its format is not '${FORMAT}'` });
  if (m.version !== VERSION) throw runError('sweepManifestUnreadable', { path, reason: `version ${String(m.version)} is not the ${VERSION} this ibc reads` });
  if (!Array.isArray(m.members) || !Array.isArray(m.launches)) throw runError('sweepManifestUnreadable', { path, reason: 'it lists no members' });
  return m as SweepManifest;
}

export function writeManifest(sweepDir: string, manifest: SweepManifest): void {
  writeTextAtomic(join(sweepDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Reads the current manifest (undefined when there is none), applies
 * `change` and writes the result, all under sweep.json.lock: a change made by
 * another process since this one last read the manifest is kept. Returns what
 * was written.
 */
export function updateManifest(sweepDir: string, change: (current: SweepManifest | undefined) => SweepManifest): SweepManifest {
  const release = holdFileLock(join(sweepDir, `${MANIFEST_FILE}.lock`));
  try {
    const next = change(readManifest(sweepDir));
    writeManifest(sweepDir, next);
    return next;
  } finally {
    release();
  }
}
