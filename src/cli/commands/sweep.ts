/**
 * `ibc sweep SPEC [key.path=value ...] [--launcher local|slurm] [--jobs N] [--out DIR]`:
 * runs every member of the spec's sweep into one sweep directory. The work is in
 * runtime/jobs/sweep/ (sweep-request.ts, run-sweep.ts); this module declares the
 * options and prints.
 */
import { resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand, OptionValueError, type CommandInput } from '../define-command.js';
import { guardRun, formatRunDiagnostic } from '../run-errors.js';
import { BACKEND_HELP, boundedWholeNumber, parseBackend, pathOption, usageError, wholeNumber } from '../option-values.js';
import { memProblem, partitionProblem, sbatchOptionProblem, timeProblem } from '../../compiler/spec/slurm-values.js';
import { printDiagnostics } from '../report.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { suggestClosest } from '../../diagnostics/suggest.js';
import { loadSweep } from '../../compiler/spec/load-spec.js';
import { nodeFileSystem } from '../../host/file-system.js';
import { isNonEmpty } from '../../support/checked.js';
import type { BackendRequest } from '../../runtime/engine/backends/select.js';
import { runSweep } from '../../runtime/jobs/sweep/run-sweep.js';
import { jobsMemoryProblem } from '../../runtime/jobs/sweep/jobs-memory.js';
import { sweepRequest, type LauncherName } from '../../runtime/jobs/sweep/sweep-request.js';
import { taskProgramProblem } from '../../runtime/jobs/sweep/slurm-launcher.js';
import { exitStatusOf } from '../../runtime/jobs/interrupts.js';
import { shellWord } from '../shell-word.js';

interface SweepOptions {
  readonly launcher?: LauncherName;
  readonly jobs?: number;
  readonly out?: string;
  readonly epochs?: number;
  readonly limitTrain?: number;
  readonly limitVal?: number;
  readonly limitTest?: number;
  readonly backend?: BackendRequest;
  readonly attention?: number;
  readonly partition?: string;
  readonly time?: string;
  readonly mem?: string;
  readonly cpusPerTask?: number;
  readonly gpusPerTask?: number;
  readonly sbatch?: string[];
  readonly slurmSetup?: string[];
  readonly slurmNode?: string;
  readonly slurmIbc?: string;
  readonly poll?: number;
  readonly dryRun?: boolean;
}

/** Longer than a day between two looks at the queue is a slip (and a timer over 2^31 ms would fire at once). */
const MAX_POLL_SECONDS = 86_400;

/** A Slurm value, checked as sbatch reads it (compiler/spec/slurm-values.ts). */
function slurmValue(option: string, problemOf: (value: string) => string | undefined): (text: string) => string {
  return (text) => {
    const problem = problemOf(text);
    if (problem) throw new OptionValueError(`${option} ${JSON.stringify(text)} is refused: ${problem}`);
    return text;
  };
}

function parseLauncher(text: string): LauncherName {
  if (text === 'local' || text === 'slurm') return text;
  const near = suggestClosest(text, ['local', 'slurm']);
  throw new OptionValueError(`--launcher must be local or slurm, got '${text}'${near ? `; did you mean ${near}?` : ''}`);
}

/** The options that only the slurm launcher reads, by option name. */
const SLURM_ONLY: readonly [keyof SweepOptions, string][] = [
  ['partition', '--partition'],
  ['time', '--time'],
  ['mem', '--mem'],
  ['cpusPerTask', '--cpus-per-task'],
  ['gpusPerTask', '--gpus-per-task'],
  ['sbatch', '--sbatch'],
  ['slurmSetup', '--slurm-setup'],
  ['slurmNode', '--slurm-node'],
  ['slurmIbc', '--slurm-ibc'],
  ['poll', '--poll'],
];

async function run({ args, options, overrides, argv }: CommandInput<SweepOptions>, io: CliIO): Promise<number> {
  const spec = args[0] ?? usageError('missing SPEC');
  const launcherName = options.launcher ?? 'local';
  if (launcherName === 'local') {
    const given = SLURM_ONLY.find(([key]) => options[key] !== undefined);
    if (given) usageError(`${given[1]} is for --launcher slurm`);
  }
  const programProblem = taskProgramProblem({ ...opt('node', options.slurmNode), ...opt('ibc', options.slurmIbc) });
  if (programProblem) usageError(programProblem);
  const train = {
    ...opt('epochs', options.epochs),
    ...opt('limitTrain', options.limitTrain),
    ...opt('limitVal', options.limitVal),
    ...opt('limitTest', options.limitTest),
    ...opt('backend', options.backend),
    ...opt('attention', options.attention),
  };
  const dryRun = options.dryRun === true;
  const specPath = resolve(io.cwd, spec);
  const sources = new Map<string, string>();
  const loaded = nodeFileSystem.exists(specPath)
    ? loadSweep(specPath, nodeFileSystem, { sources, overrides })
    : { value: undefined, diagnostics: [diagnostic('missingFile', { args: { path: spec } })] };
  printDiagnostics(loaded.diagnostics, io, { format: 'text', sources });
  if (hasErrors(loaded.diagnostics) || !loaded.value) return EXIT_INPUT_ERROR;
  const members = loaded.value;
  if (!isNonEmpty(members)) {
    io.stderr(`ibc sweep: ${spec} has no sweep: nothing to run (ibc train trains one spec)\n`);
    return EXIT_INPUT_ERROR;
  }
  if (launcherName === 'local' && options.jobs !== undefined) {
    const problem = jobsMemoryProblem(members, options.jobs);
    if (problem) {
      io.stderr(formatRunDiagnostic(problem));
      return EXIT_INPUT_ERROR;
    }
  }
  const request = sweepRequest({
    specPath,
    cwd: io.cwd,
    ...(options.out !== undefined ? { out: options.out } : {}),
    members,
    overrides,
    train,
    launcher: launcherName,
    ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
    slurm: {
      ...opt('partition', options.partition),
      ...opt('time', options.time),
      ...opt('mem', options.mem),
      ...opt('cpusPerTask', options.cpusPerTask),
      ...opt('gpusPerTask', options.gpusPerTask),
      ...opt('sbatch', options.sbatch),
      ...opt('setup', options.slurmSetup),
      ...opt('node', options.slurmNode),
      ...opt('ibc', options.slurmIbc),
      ...opt('poll', options.poll),
    },
    dryRun,
  });
  const { sweepDir } = request;
  const outcome = await runSweep(request, { info: (line) => io.stderr(`${line}\n`), note: (d) => io.stderr(formatRunDiagnostic(d)) });
  if (outcome.interrupted !== undefined) {
    const { signal, summary, jobs } = outcome.interrupted;
    const again = ['ibc', 'sweep', ...argv].map(shellWord).join(' ');
    io.stderr(`${summary}\n`);
    if (jobs !== undefined) {
      io.stderr(`follow them again with: ${again}\n(it submits nothing for members still queued or running)\ncancel them with: scancel ${jobs.join(' ')}\n`);
    } else {
      io.stderr(`resume with: ${again}\n`);
    }
    io.stdout(`${outcome.finished} of ${outcome.total} members finished in ${sweepDir}\n`);
    return exitStatusOf(signal);
  }
  io.stdout(`${outcome.finished} of ${outcome.total} members finished in ${sweepDir}\n`);
  if (outcome.unfinished.length > 0 && !dryRun) io.stdout(`not finished: ${outcome.unfinished.join(', ')}\n`);
  io.stdout(`results: ibc results ${sweepDir}\n`);
  return dryRun || outcome.unfinished.length === 0 ? EXIT_OK : EXIT_INPUT_ERROR;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export const sweepCommand: Command = defineCommand<SweepOptions>({
  name: 'sweep',
  summary: "run every member of a spec's sweep (local worker pool or a Slurm job array), safely re-runnable",
  description: [
    "Trains every member of SPEC's sweep into one sweep directory (default",
    'sweeps/<name>): one run folder per member, named by its swept values,',
    'sweep.json (members, spec hashes, launches), specs/ (one generated spec per',
    'member) and logs/. Running it again is safe: finished members with the same',
    'spec hash are skipped, interrupted ones resumed, members no longer in the',
    'sweep never launched, and nothing finished is overwritten. Overrides apply to',
    'every member (e.g. train.epochs=1).',
  ].join('\n'),
  arguments: [{ name: 'SPEC', description: 'the .ibspec file whose sweep to run' }],
  overrides: true,
  options: [
    { flags: '--launcher <local|slurm>', description: 'local (default): a pool of worker processes here; slurm: one job array through sbatch, followed with squeue/sacct', parse: parseLauncher },
    { flags: '--jobs <N>', description: 'local: workers at once (default 1; threads are divided among them); slurm: tasks running at once (--array=...%N; default: no limit)', parse: wholeNumber('--jobs') },
    { flags: '--out <DIR>', description: 'the sweep directory', parse: pathOption('--out') },
    { flags: '--epochs <N>', description: "each member's ibc train --epochs", parse: wholeNumber('--epochs') },
    { flags: '--limit-train <N>', description: "each member's ibc train --limit-train", parse: wholeNumber('--limit-train') },
    { flags: '--limit-val <N>', description: "each member's ibc train --limit-val", parse: wholeNumber('--limit-val') },
    { flags: '--limit-test <N>', description: "each member's ibc train --limit-test", parse: wholeNumber('--limit-test') },
    { flags: '--backend <NAME>', description: `each member's ibc train --backend: ${BACKEND_HELP}`, parse: parseBackend },
    { flags: '--attention <N>', description: "each member's ibc train --attention", parse: wholeNumber('--attention', 0) },
    { flags: '--partition <P>', description: "slurm: the partition (overrides the sweep's `slurm partition=...`)", parse: slurmValue('--partition', partitionProblem) },
    { flags: '--time <T>', description: 'slurm: the time limit per task (MINUTES, HOURS:MINUTES:SECONDS, DAYS-HOURS, ...); from 10 minutes on, a task is warned 2 minutes before it (--signal=B:USR1@120 unless you give --signal), saves a checkpoint and requeues itself', parse: slurmValue('--time', timeProblem) },
    { flags: '--mem <M>', description: 'slurm: the memory per task (e.g. 16G)', parse: slurmValue('--mem', memProblem) },
    { flags: '--cpus-per-task <N>', description: 'slurm: CPUs per task', parse: wholeNumber('--cpus-per-task') },
    { flags: '--gpus-per-task <N>', description: 'slurm: GPUs per task', parse: wholeNumber('--gpus-per-task', 0) },
    { flags: '--sbatch <OPTION>', description: "slurm: an extra sbatch option, added to the spec's (repeatable), e.g. --sbatch=--account=lab; only options that ask for resources or set scheduling and accounting", repeatable: true, parse: slurmValue('--sbatch', sbatchOptionProblem) },
    { flags: '--slurm-setup <LINE>', description: "slurm: a shell line each task runs before ibc, for site setup (repeatable, in order; your own shell, run as you give it, on the command line only, never from a spec), e.g. --slurm-setup 'module load nodejs' --slurm-setup 'cd /scratch/me'", repeatable: true },
    { flags: '--slurm-node <PATH|NAME>', description: "slurm: the node each task runs (default: the node running this ibc sweep); a name is looked up on the task's PATH after the --slurm-setup lines ran (command line only, never from a spec)", parse: pathOption('--slurm-node') },
    { flags: '--slurm-ibc <PATH|NAME>', description: "slurm: the ibc each task runs (default: this ibc's bin/ibc.js, run by that node); alone, a program such as an installed `ibc` (its own #!/usr/bin/env node finds node on the task's PATH); with --slurm-node, the path of ibc's bin/ibc.js (command line only, never from a spec)", parse: pathOption('--slurm-ibc') },
    { flags: '--poll <SECONDS>', description: `slurm: how often to ask squeue (default 10, at most ${MAX_POLL_SECONDS})`, parse: boundedWholeNumber('--poll', 1, MAX_POLL_SECONDS) },
    { flags: '--dry-run', description: 'prepare the sweep directory and print the plan; launch nothing' },
  ],
  epilog: [
    "Slurm resources given here override the sweep's own `slurm partition=... time=... sbatch=[...]`",
    'statement; #SBATCH lines add up.',
    'Ctrl-C (or SIGTERM), local launcher: the running members stop after their current step with a',
    'checkpoint, no new member starts, and the command that resumes the sweep is printed; a second',
    'Ctrl-C stops them at once (each keeps its last good checkpoint). Slurm launcher: Ctrl-C stops',
    'following only; the array keeps running (the job id and how to cancel it are printed).',
    'Exit status: 0 every member finished, 1 errors in the spec or members that did not finish, 2 usage errors,',
    '130 / 143 stopped by SIGINT / SIGTERM.',
  ].join('\n'),
  run: (input, io) => guardRun(io, 'sweep', () => run(input, io)),
});
