/**
 * One `ibc sweep` after the sweep has been expanded and checked: prepare the
 * sweep directory, launch what is missing (locally or as a Slurm job array),
 * follow it, and record the launch in the manifest. Terminal output goes
 * through `SweepReporter`.
 */
import { join } from 'node:path';
import { hostname } from 'node:os';
import { diagnostic } from '../../../diagnostics/catalog.js';
import type { Diagnostic } from '../../../diagnostics/diagnostic.js';
import { updateManifest, type LaunchRecord, type SweepManifest } from '../../runs/sweep/manifest.js';
import { prepareSweep, withLaunch, withLaunchUpdated, withMembersOf, type MemberTask, type PrepareRequest, type PreparedSweep } from '../../runs/sweep/prepare.js';
import { readRunStatus } from '../../runs/sweep/run-status.js';
import { runLocally, WorkerInterrupts, type TaskEnd } from './local-launcher.js';
import { countInterrupts, signalOfExitStatus } from '../interrupts.js';
import { followArrays, memberEventLine, outcomeOf, queryArray, phaseOf, signalMissProblem, submitArray, type SlurmOptions, type TaskRow } from './slurm-launcher.js';

export type LauncherRequest =
  | { readonly kind: 'local'; readonly jobs: number; readonly cores: number }
  | { readonly kind: 'slurm'; readonly options: SlurmOptions; readonly pollSeconds: number };

export interface SweepRequest extends PrepareRequest {
  readonly launcher: LauncherRequest;
  /** [node, bin/ibc.js]: how a worker runs `ibc`. */
  readonly program: readonly [string, ...string[]];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Only prepare and report the plan. */
  readonly dryRun?: boolean;
}

export interface SweepReporter {
  info(line: string): void;
  note(d: Diagnostic): void;
}

export interface SweepOutcome {
  readonly prepared: PreparedSweep;
  readonly finished: number;
  readonly total: number;
  /** Members that are not finished (failed, cancelled, changed). */
  readonly unfinished: readonly string[];
  /** Ctrl-C or SIGTERM stopped the sweep (the summary line says what became of this launch's members). */
  readonly interrupted?: SweepInterrupted;
}

export interface SweepInterrupted {
  readonly signal: 'SIGINT' | 'SIGTERM';
  /** The summary line: what became of this launch's members (local), or what keeps running (slurm). */
  readonly summary: string;
  /** The Slurm job ids still queued or running, which the sweep stopped following. */
  readonly jobs?: readonly string[];
}

/** Ctrl-C and SIGTERM while the sweep launches or follows: each one (the first and any later) goes to `onSignal`. */
const SWEEP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function planLine(prepared: PreparedSweep): string {
  const count = (a: string) => prepared.decisions.filter((d) => d.action === a).length;
  const parts = [
    `${count('skip')} finished`,
    `${count('start')} to start`,
    ...(count('resume') > 0 ? [`${count('resume')} to resume`] : []),
    ...(count('restart') > 0 ? [`${count('restart')} to restart (no checkpoint yet)`] : []),
    ...(count('changed') > 0 ? [`${count('changed')} changed (left alone)`] : []),
    ...(count('running') > 0 ? [`${count('running')} being trained by another process`] : []),
  ];
  return `sweep ${prepared.sweepDir}: ${prepared.decisions.length} members: ${parts.join(', ')}`;
}

/** Tasks of the previous Slurm array that are still pending or running: they are followed, not submitted again. */
async function inFlight(manifest: SweepManifest, tasks: readonly MemberTask[], env: SweepRequest['env']): Promise<{ jobId: string; tasks: MemberTask[] } | undefined> {
  const last = manifest.launches[manifest.launches.length - 1];
  if (!last || last.launcher !== 'slurm' || last.job === undefined) return undefined;
  const states = await queryArray(last.job, env);
  const busy = tasks.filter((t) => {
    const known = states.get(t.index);
    if (known === undefined) return false;
    const phase = phaseOf(known.state, false);
    return phase === 'pending' || phase === 'running';
  });
  return busy.length > 0 ? { jobId: last.job, tasks: busy } : undefined;
}

/** Why a member should not be started now: its run finished, or another process trains it (since the sweep was planned). */
function startedElsewhere(runDir: string): string | undefined {
  const state = readRunStatus(runDir).state;
  if (state === 'finished') return 'finished by another process';
  if (state === 'running') return 'being trained by another process';
  return undefined;
}

/** How a local task ended, for the manifest: a member that another process finished is finished, not "exited 1". */
function localOutcome(end: TaskEnd): string {
  if (end.skipped !== undefined) return end.skipped;
  if (end.notStarted !== undefined) return `not started (${end.notStarted})`;
  const signal = signalOfExitStatus(end.exit);
  if (signal !== undefined) return `stopped by ${signal} (exit ${end.exit}); resumes from its checkpoint`;
  if (end.exit === 0) return 'exited 0';
  const state = readRunStatus(end.task.runDir).state;
  // This launch lost the race for the member's run folder to another process (its train refused to write there).
  if (state === 'finished') return 'finished by another process';
  if (state === 'running') return 'left to another process that is training it';
  return `exited ${end.exit}`;
}

/** Waits until no member is being trained by another process (another ibc sweep on this folder, a Slurm task): they are followed, not started twice. */
async function followOthers(sweepDir: string, manifest: SweepManifest, reporter: SweepReporter, pollMs: number): Promise<void> {
  let told = false;
  for (;;) {
    const busy = manifest.members.filter((m) => readRunStatus(join(sweepDir, m.dir)).state === 'running');
    if (busy.length === 0) return;
    if (!told) reporter.info(`waiting for ${busy.length} member(s) being trained by another process: ${busy.map((m) => m.name).join(', ')}`);
    told = true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function launchId(): string {
  return `${new Date().toISOString()}-${hostname()}-${process.pid}`;
}

/** Whether the array asks Slurm for CPUs per task (--cpus-per-task, or -c / --cpus-per-task among the extra options). */
export function asksForCpus(options: SlurmOptions): boolean {
  return options.cpusPerTask !== undefined || options.extra.some((line) => /^(#SBATCH\s+)?(--cpus-per-task\b|-c\b)/.test(line.trim()));
}

/** 'done', 'interrupted (...)' for a worker an interrupt stopped with a checkpoint (ibc train's 130, 143, 138), else 'failed (exit N)'. */
function localEndWord(exit: number | string): string {
  if (exit === 0) return 'done';
  const signal = signalOfExitStatus(exit);
  return signal ? `interrupted (${signal}, exit ${exit}; the sweep run again resumes it)` : `failed (exit ${exit})`;
}

export async function runSweep(request: SweepRequest, reporter: SweepReporter): Promise<SweepOutcome> {
  const prepared = prepareSweep(request);
  // Merged over the manifest on disk: launches another ibc sweep recorded meanwhile are kept.
  let manifest = updateManifest(request.sweepDir, (current) => withMembersOf(prepared.manifest, current));
  reporter.info(planLine(prepared));
  for (const d of prepared.decisions) {
    if (d.action !== 'changed') continue;
    const member = manifest.members.find((m) => m.name === d.name)!;
    reporter.note(diagnostic('sweepHashChanged', { args: { name: d.name, path: join(request.sweepDir, member.dir), found: d.status.specHash ?? 'unknown', expected: member.specHash } }));
  }
  if (prepared.stale.length > 0) {
    reporter.note(diagnostic('sweepStaleMembers', { args: { count: prepared.stale.length, path: request.sweepDir, names: prepared.stale.join(', ') } }));
  }

  let tasks = [...prepared.tasks];
  let interrupted: SweepInterrupted | undefined;
  if (!request.dryRun && tasks.length > 0) {
    if (request.launcher.kind === 'local') {
      const total = tasks.length;
      let started = 0;
      reporter.info(`local: ${Math.min(request.launcher.jobs, total)} worker(s) for ${total} member(s)`);
      const launch: LaunchRecord = { id: launchId(), launcher: 'local', at: new Date().toISOString(), members: tasks.map((t) => t.name) };
      manifest = updateManifest(request.sweepDir, (current) => withLaunch(current ?? manifest, launch));
      const interrupts = new WorkerInterrupts();
      const watch = countInterrupts(SWEEP_SIGNALS, (signal, count) => {
        reporter.info(
          count === 1
            ? `${signal} received: stopping ${interrupts.running()} running member(s) after their current step, each with a checkpoint; no new member starts (${signal === 'SIGINT' ? 'Ctrl-C' : 'send it'} again to stop them at once)`
            : `${signal}, a second signal: stopping the running member(s) at once; each keeps its last good checkpoint`,
        );
        interrupts.send(signal);
      });
      let ends: TaskEnd[];
      try {
        ends = await runLocally(
          tasks,
          { jobs: request.launcher.jobs, cores: request.launcher.cores, program: request.program, env: request.env, skip: (task) => startedElsewhere(task.runDir), interrupts },
          {
            started: (task) => reporter.info(`[${++started}/${total}] ${task.action} ${task.name} (log: ${task.logFile})`),
            ended: (end) => {
              if (end.notStarted !== undefined) return;
              const outcome = localOutcome(end);
              reporter.info(`${end.skipped === undefined && (end.exit === 0 || outcome.startsWith('exited') || outcome.startsWith('stopped')) ? localEndWord(end.exit) : `not trained here (${outcome})`}: ${end.task.name}`);
            },
          },
        );
      } finally {
        watch.dispose();
      }
      const outcomes = Object.fromEntries(ends.map((e) => [e.task.name, localOutcome(e)]));
      manifest = updateManifest(request.sweepDir, (current) => withLaunchUpdated(current ?? manifest, { ...launch, outcomes }));
      const signal = interrupts.received();
      if (signal !== undefined) {
        const count = (test: (end: TaskEnd) => boolean) => ends.filter(test).length;
        const finishedHere = count((e) => e.skipped === undefined && e.notStarted === undefined && e.exit === 0);
        const stopped = count((e) => signalOfExitStatus(e.exit) !== undefined);
        const notStarted = count((e) => e.notStarted !== undefined);
        const failed = ends.length - finishedHere - stopped - notStarted - count((e) => e.skipped !== undefined);
        const parts = [`${finishedHere} finished`, `${stopped} stopped with a checkpoint`, `${notStarted} not started`, ...(failed > 0 ? [`${failed} failed`] : [])];
        interrupted = { signal, summary: `sweep stopped by ${signal}: of ${ends.length} member(s) launched, ${parts.join(', ')}` };
      }
    } else {
      const launcher = request.launcher;
      // Ctrl-C stops following only: the array's tasks are the cluster's to run. Watched from
      // before the submission, so that a signal at any moment gets this answer, never Node's
      // default death: one before sbatch runs submits nothing, one during it stops following at once.
      const stopFollowing = new AbortController();
      let signal: 'SIGINT' | 'SIGTERM' | undefined;
      const watch = countInterrupts(SWEEP_SIGNALS, (received) => {
        signal ??= received;
        stopFollowing.abort();
      });
      let rows: TaskRow[];
      let launch: LaunchRecord | undefined;
      let notSubmitted = 0;
      try {
        const flying = await inFlight(manifest, tasks, request.env);
        if (flying) {
          const busy = new Set(flying.tasks.map((t) => t.name));
          tasks = tasks.filter((t) => !busy.has(t.name));
          reporter.info(`slurm: ${flying.tasks.length} member(s) still queued or running in job ${flying.jobId}; following them`);
        }
        if (tasks.length > 0 && !asksForCpus(launcher.options)) reporter.note(diagnostic('sweepSlurmNoCpus'));
        const missed = tasks.length > 0 ? signalMissProblem(launcher.options) : undefined;
        if (missed) reporter.note(diagnostic('sweepSlurmSignalMissed', { args: missed }));
        const jobs: { jobId: string; tasks: readonly MemberTask[] }[] = flying ? [flying] : [];
        if (tasks.length > 0 && signal !== undefined) {
          notSubmitted = tasks.length;
        } else if (tasks.length > 0) {
          const { jobId, script, sbatch } = await submitArray(tasks, launcher.options, request.program, request.sweepDir, request.env);
          reporter.info(`slurm: submitted job ${jobId} (${tasks.length} task(s), script ${script})`);
          const submitted: LaunchRecord = { id: launchId(), launcher: 'slurm', at: new Date().toISOString(), members: tasks.map((t) => t.name), job: jobId, sbatch };
          launch = submitted;
          manifest = updateManifest(request.sweepDir, (current) => withLaunch(current ?? manifest, submitted));
          jobs.push({ jobId, tasks });
        }
        rows = await followArrays({
          jobs,
          pollSeconds: launcher.pollSeconds,
          env: request.env,
          finished: (task) => readRunStatus(task.runDir).state === 'finished',
          event: (row) => {
            const line = memberEventLine(row);
            if (line !== undefined) reporter.info(line);
          },
          abort: stopFollowing.signal,
        });
      } finally {
        watch.dispose();
      }
      const open = rows.filter((r) => r.phase === 'pending' || r.phase === 'running');
      if (signal !== undefined && open.length > 0) {
        const ids = [...new Set(open.map((r) => r.jobId))];
        interrupted = { signal, jobs: ids, summary: `stopped following (${signal}): ${open.length} member(s) keep running or queued on the cluster as job ${ids.join(', ')}` };
      } else if (signal !== undefined && notSubmitted > 0) {
        interrupted = { signal, summary: `sweep stopped by ${signal} before submitting: ${notSubmitted} member(s) not submitted` };
      } else if (launch) {
        const ours = launch;
        const outcomes = Object.fromEntries(rows.filter((r) => r.jobId === ours.job).map((r) => [r.task.name, outcomeOf(r)]));
        manifest = updateManifest(request.sweepDir, (current) => withLaunchUpdated(current ?? manifest, { ...ours, outcomes }));
      }
    }
  }
  // Members another process (a second ibc sweep on this folder) is training are followed to their end, like a Slurm array.
  if (!request.dryRun && request.launcher.kind === 'local' && interrupted === undefined) await followOthers(request.sweepDir, manifest, reporter, 1000);
  // Finished means a finished run of the member's own spec: a changed member (left alone above) is not.
  const unfinished = manifest.members
    .filter((m) => {
      const status = readRunStatus(join(request.sweepDir, m.dir));
      return status.state !== 'finished' || (status.specHash !== undefined && status.specHash !== m.specHash);
    })
    .map((m) => m.name);
  return { prepared, finished: manifest.members.length - unfinished.length, total: manifest.members.length, unfinished, ...(interrupted !== undefined ? { interrupted } : {}) };
}
