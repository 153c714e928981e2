/**
 * `ibc sweep SPEC [PATH=VALUE ...] [--launcher local|slurm] [--jobs N] [--out DIR]`:
 * runs every member of the spec's sweep into one sweep directory. The work is in
 * runtime/sweep/run-sweep.ts; this module parses options and prints.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import { guardRun, formatRunDiagnostic } from '../run-errors.js';
import { printDiagnostics } from '../report.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { loadSweep, loadSweepSlurmSettings } from '../../compiler/spec/load-spec.js';
import { isOverrideArgument, overridesAsSpecLines } from '../../compiler/spec/overrides.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { nodeFileSystem } from '../../host/file-system.js';
import { isBackendRequest, BACKEND_NAMES } from '../../runtime/backends/select.js';
import { safeRunName } from '../../runtime/run-dir.js';
import { runSweep, type LauncherRequest } from '../../runtime/sweep/run-sweep.js';
import type { MemberTrainOptions } from '../../runtime/sweep/manifest.js';
import { UsageError } from '../command.js';
import { parseCount } from '../option-values.js';

const USAGE = `Usage: ibc sweep SPEC [PATH=VALUE ...] [--launcher local|slurm] [--jobs N] [--out DIR]

Trains every member of SPEC's sweep into one sweep directory (default
sweeps/<name>): one run folder per member, named by its swept values,
sweep.json (members, spec hashes, launches), specs/ (one generated spec per
member) and logs/. Running it again is safe: finished members with the same
spec hash are skipped, interrupted ones resumed, members no longer in the
sweep never launched, and nothing finished is overwritten.

PATH=VALUE overrides apply to every member (e.g. train.epochs=1).

  --launcher NAME     local (default): a pool of worker processes here;
                      slurm: one job array through sbatch, followed with squeue/sacct
  --jobs N            local: workers at once (default 1; threads are divided among them);
                      slurm: tasks running at once (--array=...%N; default: no limit)
  --out DIR           the sweep directory
  --epochs N, --limit-train N, --limit-test N, --backend NAME, --attention N
                      passed to each member's ibc train
  --partition P, --time T, --mem M, --cpus-per-task N, --gpus-per-task N
                      slurm: per-task resources (override the sweep's own
                      \`slurm partition=... time=... sbatch=[...]\` statement)
  --sbatch LINE       slurm: an extra #SBATCH line (repeatable; added to the
                      spec's), e.g. --sbatch=--account=lab
  --poll SECONDS      slurm: how often to ask squeue (default 10)
  --dry-run           prepare the sweep directory and print the plan; launch nothing

Exit status: 0 every member finished, 1 errors in the spec or members that
did not finish, 2 usage errors.
`;

interface SweepOptions {
  readonly spec: string;
  readonly overrides: string[];
  readonly out?: string;
  readonly launcher: 'local' | 'slurm';
  readonly jobs?: number;
  readonly train: MemberTrainOptions;
  readonly dryRun: boolean;
  readonly slurm: {
    partition?: string;
    time?: string;
    mem?: string;
    cpusPerTask?: number;
    gpusPerTask?: number;
    extra: string[];
    poll: number;
  };
}

function parseSweepArgs(args: readonly string[]): SweepOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        launcher: { type: 'string' },
        jobs: { type: 'string' },
        out: { type: 'string' },
        epochs: { type: 'string' },
        'limit-train': { type: 'string' },
        'limit-test': { type: 'string' },
        backend: { type: 'string' },
        attention: { type: 'string' },
        partition: { type: 'string' },
        time: { type: 'string' },
        mem: { type: 'string' },
        'cpus-per-task': { type: 'string' },
        'gpus-per-task': { type: 'string' },
        sbatch: { type: 'string', multiple: true },
        poll: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const v = parsed.values;
  const files = parsed.positionals.filter((p) => !isOverrideArgument(p));
  const overrides = parsed.positionals.filter((p) => isOverrideArgument(p));
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'missing SPEC (the .ibspec file whose sweep to run)' : `expected one SPEC, got ${files.length}: ${files.join(' ')}`);
  const launcher = v.launcher ?? 'local';
  if (launcher !== 'local' && launcher !== 'slurm') throw new UsageError(`--launcher must be local or slurm, got '${launcher}'`);
  if (v.backend !== undefined && !isBackendRequest(v.backend)) throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}; got '${v.backend}'`);
  const slurmOnly = ['partition', 'time', 'mem', 'cpus-per-task', 'gpus-per-task', 'sbatch', 'poll'] as const;
  if (launcher === 'local') {
    const given = slurmOnly.filter((k) => v[k] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given[0]} is for --launcher slurm`);
  }
  const count = (name: string, text: string | undefined, min = 1) => parseCount(name, text, min);
  const epochs = count('--epochs', v.epochs);
  const limitTrain = count('--limit-train', v['limit-train']);
  const limitTest = count('--limit-test', v['limit-test']);
  const attention = count('--attention', v.attention, 0);
  const cpus = count('--cpus-per-task', v['cpus-per-task']);
  const gpus = count('--gpus-per-task', v['gpus-per-task'], 0);
  const jobs = count('--jobs', v.jobs);
  const poll = count('--poll', v.poll) ?? 10;
  return {
    spec: files[0]!,
    overrides,
    ...(v.out !== undefined ? { out: v.out } : {}),
    launcher,
    ...(jobs !== undefined ? { jobs } : {}),
    dryRun: v['dry-run'] === true,
    train: {
      ...(epochs !== undefined ? { epochs } : {}),
      ...(limitTrain !== undefined ? { limitTrain } : {}),
      ...(limitTest !== undefined ? { limitTest } : {}),
      ...(v.backend !== undefined ? { backend: v.backend } : {}),
      ...(attention !== undefined ? { attention } : {}),
    },
    slurm: {
      ...(v.partition !== undefined ? { partition: v.partition } : {}),
      ...(v.time !== undefined ? { time: v.time } : {}),
      ...(v.mem !== undefined ? { mem: v.mem } : {}),
      ...(cpus !== undefined ? { cpusPerTask: cpus } : {}),
      ...(gpus !== undefined ? { gpusPerTask: gpus } : {}),
      extra: v.sbatch ?? [],
      poll,
    },
  };
}

/** How a worker runs this ibc: the same node, the same bin/ibc.js. */
function ibcProgram(): [string, string] {
  return [process.execPath, fileURLToPath(new URL('../../../bin/ibc.js', import.meta.url))];
}

async function run(args: readonly string[], io: CliIO): Promise<number> {
  let options: SweepOptions;
  try {
    options = parseSweepArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ibc sweep: ${error.message} (see 'ibc sweep --help')\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const specPath = resolve(io.cwd, options.spec);
  const sources = new Map<string, string>();
  const loaded = nodeFileSystem.exists(specPath)
    ? loadSweep(specPath, nodeFileSystem, { sources, overrides: options.overrides })
    : { value: undefined, diagnostics: [diagnostic('missingFile', { args: { path: options.spec } })] };
  printDiagnostics(loaded.diagnostics, io, { format: 'text', sources });
  if (hasErrors(loaded.diagnostics) || !loaded.value) return EXIT_INPUT_ERROR;
  const members = loaded.value;
  if (members.length === 0) {
    io.stderr(`ibc sweep: ${options.spec} has no sweep: nothing to run (ibc train trains one spec)\n`);
    return EXIT_INPUT_ERROR;
  }
  const baseName = members[0]!.name.slice(0, members[0]!.name.indexOf('--'));
  const sweepDir = resolve(io.cwd, options.out ?? `sweeps/${safeRunName(baseName || 'sweep')}`);
  const swept = members[0]!.overrides.map((o) => o.path);
  // Resources: the sweep's `slurm` statement, then the command line (which wins; #SBATCH lines add up).
  const fromSpec = options.launcher === 'slurm' ? loadSweepSlurmSettings(specPath, nodeFileSystem, { overrides: options.overrides }) : undefined;
  const cli = options.slurm;
  const partition = cli.partition ?? fromSpec?.partition;
  const time = cli.time ?? fromSpec?.time;
  const mem = cli.mem ?? fromSpec?.mem;
  const cpusPerTask = cli.cpusPerTask ?? fromSpec?.cpusPerTask;
  const gpusPerTask = cli.gpusPerTask ?? fromSpec?.gpusPerTask;
  const launcher: LauncherRequest =
    options.launcher === 'local'
      ? { kind: 'local', jobs: options.jobs ?? 1, cores: availableParallelism() }
      : {
          kind: 'slurm',
          pollSeconds: cli.poll,
          options: {
            jobName: `ibc-${baseName || 'sweep'}`,
            ...(partition !== undefined ? { partition } : {}),
            ...(time !== undefined ? { time } : {}),
            ...(mem !== undefined ? { mem } : {}),
            ...(cpusPerTask !== undefined ? { cpusPerTask } : {}),
            ...(gpusPerTask !== undefined ? { gpusPerTask } : {}),
            extra: [...(fromSpec?.sbatch ?? []), ...cli.extra],
            ...(options.jobs !== undefined ? { throttle: options.jobs } : {}),
          },
        };
  const outcome = await runSweep(
    {
      sweepDir,
      specPath,
      overrides: options.overrides,
      overrideLines: overridesAsSpecLines(options.overrides),
      swept,
      members: members.map((m) => ({ name: m.name, overrides: m.overrides, specHash: specHash(m.spec), epochs: options.train.epochs ?? m.spec.train.epochs })),
      train: options.train,
      launcher,
      program: ibcProgram(),
      env: process.env,
      dryRun: options.dryRun,
    },
    { info: (line) => io.stderr(`${line}\n`), note: (d) => io.stderr(formatRunDiagnostic(d)) },
  );
  io.stdout(`${outcome.finished} of ${outcome.total} members finished in ${sweepDir}\n`);
  if (outcome.unfinished.length > 0 && !options.dryRun) io.stdout(`not finished: ${outcome.unfinished.join(', ')}\n`);
  io.stdout(`results: ibc results ${sweepDir}\n`);
  return options.dryRun || outcome.unfinished.length === 0 ? EXIT_OK : EXIT_INPUT_ERROR;
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary: "run every member of a spec's sweep (local worker pool or a Slurm job array), safely re-runnable",
  help: () => USAGE,
  run: (args, io) => guardRun(io, 'sweep', () => run(args, io)),
};
