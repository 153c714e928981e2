/**
 * Making a sweep directory ready to launch, safely again and again:
 *
 *   <sweep>/sweep.json             the manifest (manifest.ts)
 *   <sweep>/specs/<member>.ibspec  one generated spec per member (extends the swept spec)
 *   <sweep>/<member>/              one run folder per member, named by its swept values
 *   <sweep>/logs/                  each member's training output
 *
 * Each member's run folder decides what happens to it: finished with the same
 * spec hash -> skipped; interrupted (a checkpoint, no summary) -> resumed;
 * started without a checkpoint, or missing -> trained from the start; being
 * trained right now (a live process holds its lock) -> left to it; any run for
 * another spec hash -> left alone and reported. Generated specs of members
 * no longer in the sweep are deleted (so no glob can launch them); their run
 * folders are kept and reported, never launched.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Json } from '../../../compiler/spec/spec-document.js';
import { memberSpecText, type SweepOverride } from '../../../compiler/spec/sweep.js';
import { newManifest, readManifest, type LaunchRecord, type ManifestMember, type MemberTrainOptions, type SweepManifest } from './manifest.js';
import { readRunStatus, type RunStatus } from './run-status.js';
import { askedIdentity, requireOneBudget } from './budget.js';

export const SPECS_DIR = 'specs';
export const LOGS_DIR = 'logs';

export interface SweepMemberPlan {
  readonly name: string;
  readonly overrides: readonly SweepOverride[];
  readonly specHash: string;
  /** Epochs the member trains to (the --epochs option, else the member's train.epochs). */
  readonly epochs: number;
}

export type MemberAction = 'skip' | 'start' | 'resume' | 'restart' | 'changed' | 'running';

/** One member to train: the `ibc train` arguments that do it. */
export interface MemberTask {
  /** The member's position in the sweep (its Slurm array index). */
  readonly index: number;
  readonly name: string;
  readonly action: 'start' | 'resume' | 'restart';
  readonly runDir: string;
  readonly specFile: string;
  readonly logFile: string;
  /** Arguments after `ibc`: `train SPEC --out DIR ...` or `train SPEC --resume DIR ...`. */
  readonly trainArgs: readonly string[];
}

export interface MemberDecision {
  readonly name: string;
  readonly action: MemberAction;
  readonly status: RunStatus;
}

export interface PreparedSweep {
  readonly sweepDir: string;
  readonly manifest: SweepManifest;
  readonly decisions: readonly MemberDecision[];
  readonly tasks: readonly MemberTask[];
  /** Run folders of members that are no longer in the sweep. */
  readonly stale: readonly string[];
}

export interface PrepareRequest {
  readonly sweepDir: string;
  readonly specPath: string;
  /** Command-line overrides (PATH=VALUE), recorded in the manifest. */
  readonly overrides: readonly string[];
  /** The same overrides as spec statements, written into every member spec. */
  readonly overrideLines: readonly string[];
  readonly swept: readonly string[];
  readonly members: readonly SweepMemberPlan[];
  readonly train: MemberTrainOptions;
  /** The host threads each member gets (local: the cores divided among the workers; Slurm: --cpus-per-task), when known. */
  readonly threads?: number;
}

export function decideMember(status: RunStatus, expectedHash: string): MemberAction {
  const sameHash = status.specHash === undefined || status.specHash === expectedHash;
  switch (status.state) {
    case 'missing':
      return 'start';
    case 'started':
      return sameHash ? 'restart' : 'changed';
    case 'interrupted':
      return sameHash ? 'resume' : 'changed';
    case 'running':
      return 'running';
    case 'finished':
      return sameHash ? 'skip' : 'changed';
  }
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

/** The member's folder name: its name (`fashion--beta=0.1--seed=2`) made safe as one path component. */
export function memberDirName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._=+,-]+/g, '_').replace(/^[.]+/, '_').slice(0, 200);
  return cleaned.length > 0 ? cleaned : 'member';
}

function trainArgs(action: MemberTask['action'], specFile: string, runDir: string, member: SweepMemberPlan, train: MemberTrainOptions): string[] {
  // A started member runs with --continue: the same command run again (a Slurm task requeued after a preemption) resumes its checkpoint.
  const args = ['train', specFile, ...(action === 'resume' ? ['--resume', runDir] : ['--out', runDir, '--continue'])];
  // A resumed run is told its epochs explicitly: its checkpoint may record fewer (an earlier --epochs).
  if (train.epochs !== undefined || action === 'resume') args.push('--epochs', String(member.epochs));
  if (train.limitTrain !== undefined) args.push('--limit-train', String(train.limitTrain));
  if (train.limitVal !== undefined) args.push('--limit-val', String(train.limitVal));
  if (train.limitTest !== undefined) args.push('--limit-test', String(train.limitTest));
  if (train.backend !== undefined) args.push('--backend', train.backend);
  if (train.attention !== undefined) args.push('--attention', String(train.attention));
  return args;
}

/** Folders directly in the sweep directory that hold a run (the run folders of members, current or not). */
function runFolders(sweepDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(sweepDir);
  } catch {
    return [];
  }
  return names.filter((n) => {
    if (n === SPECS_DIR || n === LOGS_DIR) return false;
    const dir = join(sweepDir, n);
    try {
      if (!statSync(dir).isDirectory()) return false;
    } catch {
      return false;
    }
    return existsSync(join(dir, 'metrics.jsonl')) || existsSync(join(dir, 'summary.json')) || existsSync(join(dir, 'spec-hash.txt'));
  });
}

export function prepareSweep(request: PrepareRequest): PreparedSweep {
  const { sweepDir } = request;
  const previous = readManifest(sweepDir);
  // Before anything is written: members that ran on another budget are never joined by new ones (budget.ts).
  requireOneBudget(
    sweepDir,
    request.members.map((m) => {
      const dir = memberDirName(m.name);
      const action = decideMember(readRunStatus(join(sweepDir, dir)), m.specHash);
      return { name: m.name, dir, epochs: m.epochs, hasRun: action !== 'start' && action !== 'changed', launched: action === 'start' || action === 'resume' || action === 'restart' };
    }),
    askedIdentity(request.train, request.threads),
  );
  const specsDir = join(sweepDir, SPECS_DIR);
  mkdirSync(specsDir, { recursive: true });
  mkdirSync(join(sweepDir, LOGS_DIR), { recursive: true });
  const extendsPath = posix(relative(specsDir, request.specPath));
  const wanted = new Set<string>();
  const members: ManifestMember[] = [];
  const decisions: MemberDecision[] = [];
  const tasks: MemberTask[] = [];
  request.members.forEach((member, index) => {
    const dirName = memberDirName(member.name);
    const specName = `${dirName}.ibspec`;
    wanted.add(specName);
    const specFile = join(specsDir, specName);
    writeFileSync(specFile, memberSpecText(member, extendsPath, extendsPath, request.overrideLines, 'ibc sweep'), 'utf8');
    const runDir = join(sweepDir, dirName);
    const values: Record<string, Json> = {};
    for (const o of member.overrides) values[o.path] = o.value;
    members.push({ name: member.name, dir: dirName, specFile: posix(join(SPECS_DIR, specName)), values, specHash: member.specHash, epochs: member.epochs });
    const status = readRunStatus(runDir);
    const action = decideMember(status, member.specHash);
    decisions.push({ name: member.name, action, status });
    if (action === 'start' || action === 'resume' || action === 'restart') {
      tasks.push({ index, name: member.name, action, runDir, specFile, logFile: join(sweepDir, LOGS_DIR, `${dirName}.log`), trainArgs: trainArgs(action, specFile, runDir, member, request.train) });
    }
  });
  // Generated specs of members no longer in the sweep go: nothing should launch them by accident.
  for (const file of readdirSync(specsDir)) {
    if (file.endsWith('.ibspec') && !wanted.has(file)) rmSync(join(specsDir, file), { force: true });
  }
  const current = new Set(members.map((m) => m.dir));
  const stale = runFolders(sweepDir).filter((d) => !current.has(d));
  const manifest = newManifest({
    spec: posix(relative(sweepDir, request.specPath)),
    overrides: [...request.overrides],
    swept: [...request.swept],
    train: request.train,
    members,
    launches: previous?.launches ?? [],
  });
  return { sweepDir, manifest, decisions, tasks, stale };
}

export function withLaunch(manifest: SweepManifest, launch: LaunchRecord): SweepManifest {
  return { ...manifest, launches: [...manifest.launches, launch] };
}

/** Replaces the last launch record (to add its outcomes once known). */
export function withLastLaunch(manifest: SweepManifest, launch: LaunchRecord): SweepManifest {
  return { ...manifest, launches: [...manifest.launches.slice(0, -1), launch] };
}
