/**
 * One `ibc sweep` after the sweep has been expanded and checked: prepare the
 * sweep directory, launch what is missing (locally or as a Slurm job array),
 * follow it, and record the launch in the manifest. Terminal output goes
 * through `SweepReporter`.
 */
import { join } from 'node:path';
import { diagnostic } from '../../../diagnostics/catalog.js';
import type { Diagnostic } from '../../../diagnostics/diagnostic.js';
import { writeManifest, type SweepManifest } from '../../runs/sweep/manifest.js';
import { prepareSweep, withLastLaunch, withLaunch, type MemberTask, type PrepareRequest, type PreparedSweep } from '../../runs/sweep/prepare.js';
import { readRunStatus } from '../../runs/sweep/run-status.js';
import { runLocally } from './local-launcher.js';
import { followArrays, memberEventLine, queryArray, phaseOf, submitArray, type SlurmOptions } from './slurm-launcher.js';

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
}

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
    const state = states.get(t.index);
    if (state === undefined) return false;
    const phase = phaseOf(state, false);
    return phase === 'pending' || phase === 'running';
  });
  return busy.length > 0 ? { jobId: last.job, tasks: busy } : undefined;
}

/** Whether the array asks Slurm for CPUs per task (--cpus-per-task, or -c / --cpus-per-task among the extra options). */
export function asksForCpus(options: SlurmOptions): boolean {
  return options.cpusPerTask !== undefined || options.extra.some((line) => /^(#SBATCH\s+)?(--cpus-per-task\b|-c\b)/.test(line.trim()));
}

/** 'done', 'interrupted (...)' for a worker an interrupt stopped with a checkpoint (ibc train's 130, 143, 138), else 'failed (exit N)'. */
function localEndWord(exit: number | string): string {
  if (exit === 0) return 'done';
  const signal = exit === 130 ? 'SIGINT' : exit === 143 ? 'SIGTERM' : exit === 138 ? 'SIGUSR1' : undefined;
  return signal ? `interrupted (${signal}, exit ${exit}; the sweep run again resumes it)` : `failed (exit ${exit})`;
}

export async function runSweep(request: SweepRequest, reporter: SweepReporter): Promise<SweepOutcome> {
  const prepared = prepareSweep(request);
  let manifest = prepared.manifest;
  writeManifest(request.sweepDir, manifest);
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
  if (!request.dryRun && tasks.length > 0) {
    if (request.launcher.kind === 'local') {
      const total = tasks.length;
      let started = 0;
      reporter.info(`local: ${Math.min(request.launcher.jobs, total)} worker(s) for ${total} member(s)`);
      const ends = await runLocally(tasks, { jobs: request.launcher.jobs, cores: request.launcher.cores, program: request.program, env: request.env }, {
        started: (task) => reporter.info(`[${++started}/${total}] ${task.action} ${task.name} (log: ${task.logFile})`),
        ended: (end) => reporter.info(`${localEndWord(end.exit)}: ${end.task.name}`),
      });
      manifest = withLaunch(manifest, {
        launcher: 'local',
        at: new Date().toISOString(),
        members: tasks.map((t) => t.name),
        outcomes: Object.fromEntries(ends.map((e) => [e.task.name, e.exit === 0 ? 'exited 0' : `exited ${e.exit}`])),
      });
      writeManifest(request.sweepDir, manifest);
    } else {
      const launcher = request.launcher;
      const flying = await inFlight(manifest, tasks, request.env);
      if (flying) {
        const busy = new Set(flying.tasks.map((t) => t.name));
        tasks = tasks.filter((t) => !busy.has(t.name));
        reporter.info(`slurm: ${flying.tasks.length} member(s) still queued or running in job ${flying.jobId}; following them`);
      }
      if (tasks.length > 0 && !asksForCpus(launcher.options)) reporter.note(diagnostic('sweepSlurmNoCpus'));
      const jobs: { jobId: string; tasks: readonly MemberTask[] }[] = flying ? [flying] : [];
      if (tasks.length > 0) {
        const { jobId, script } = await submitArray(tasks, launcher.options, request.program, request.sweepDir, request.env);
        reporter.info(`slurm: submitted job ${jobId} (${tasks.length} task(s), script ${script})`);
        manifest = withLaunch(manifest, { launcher: 'slurm', at: new Date().toISOString(), members: tasks.map((t) => t.name), job: jobId });
        writeManifest(request.sweepDir, manifest);
        jobs.push({ jobId, tasks });
      }
      const rows = await followArrays({
        jobs,
        pollSeconds: launcher.pollSeconds,
        env: request.env,
        finished: (task) => readRunStatus(task.runDir).state === 'finished',
        event: (row) => {
          const line = memberEventLine(row);
          if (line !== undefined) reporter.info(line);
        },
      });
      const last = manifest.launches[manifest.launches.length - 1];
      if (last && tasks.length > 0) {
        const outcomes = Object.fromEntries(rows.filter((r) => r.jobId === last.job).map((r) => [r.task.name, r.state]));
        manifest = withLastLaunch(manifest, { ...last, outcomes });
        writeManifest(request.sweepDir, manifest);
      }
    }
  }
  // Finished means a finished run of the member's own spec: a changed member (left alone above) is not.
  const unfinished = manifest.members
    .filter((m) => {
      const status = readRunStatus(join(request.sweepDir, m.dir));
      return status.state !== 'finished' || (status.specHash !== undefined && status.specHash !== m.specHash);
    })
    .map((m) => m.name);
  return { prepared, finished: manifest.members.length - unfinished.length, total: manifest.members.length, unfinished };
}
