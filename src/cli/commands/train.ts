/**
 * `ibc train SPEC`: compile, pick a backend, train, write the run directory.
 * The work is in runtime/jobs/train.ts; this module parses options,
 * prints, and maps outcomes to exit codes.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, useColor } from '../command.js';
import { defineCommand, type CommandInput } from '../define-command.js';
import { guardRun, formatRunDiagnostic } from '../run-errors.js';
import { BACKEND_HELP, PRECISION_HELP, STEP_HELP, boundedWholeNumber, parseBackend, parsePrecision, parseStep, pathOption, usageError, wholeNumber, withPrecision } from '../option-values.js';
import { DATA_OPTIONS, dataImageOptions } from '../data-options.js';
import { chooseBackend, compileForRun, sourcesOf } from '../prepare-run.js';
import { flattenSpec } from '../../compiler/spec/flatten.js';
import { sweepSize } from '../../compiler/spec/load-spec.js';
import { renderDiagnostics } from '../../diagnostics/render.js';
import { nodeFileSystem } from '../../host/file-system.js';
import { MAX_SEED } from '../../compiler/spec/definitions.js';
import { createProgress } from '../progress-display.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { isBackendRequest, releaseBackend, type BackendRequest } from '../../runtime/engine/backends/select.js';
import { backendThreads, threadEnv, threadsMatter } from '../../runtime/engine/backends/threads.js';
import { readRunIdentity } from '../../runtime/runs/run-identity.js';
import { runTraining, type StoppedRun } from '../../runtime/jobs/train.js';
import type { StepRequest } from '../../runtime/engine/choose-engine.js';
import type { Precision } from '../../runtime/engine/precision.js';
import { secondsSinceProcessStart } from '../../runtime/training/phases.js';
import { shellWord } from '../shell-word.js';
import { TRAINER_OPTIONS, trainerOverrides, type TrainerFlagValues } from '../trainer-flags.js';

interface TrainOptions extends TrainerFlagValues {
  readonly out?: string;
  readonly epochs?: number;
  readonly limitTrain?: number;
  readonly limitVal?: number;
  readonly limitTest?: number;
  readonly backend?: BackendRequest;
  readonly step?: StepRequest;
  readonly resume?: string;
  readonly overwrite?: boolean;
  readonly continue?: boolean;
  readonly seed?: number;
  readonly attention?: number;
  readonly precision?: Precision;
  readonly profile?: boolean;
  readonly threads?: number;
  readonly dataCache?: string;
  readonly dataMemory?: number;
  readonly dataWorkers?: number;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

async function run({ args, options, overrides: given }: CommandInput<TrainOptions>, io: CliIO): Promise<number> {
  // The trainer flags are overrides by another name: after the given ones, so that the flag wins.
  const overrides = [...withPrecision(given, options.precision), ...trainerOverrides(options)];
  if (options.out !== undefined && options.resume !== undefined) usageError('--out and --resume cannot be combined: a resumed run continues in its own directory');
  if (options.overwrite && options.resume !== undefined) usageError('--overwrite and --resume cannot be combined: --resume continues the run, --overwrite replaces it');
  if (options.overwrite && options.out === undefined) usageError('--overwrite replaces the run in --out DIR; without --out every run gets a new folder');
  if (options.continue && options.out === undefined) usageError('--continue needs --out DIR: it resumes the run there when it has a checkpoint, else starts it there');
  if (options.continue && options.overwrite) usageError('--continue and --overwrite cannot be combined: --continue keeps the run in --out, --overwrite replaces it');
  // --out DIR --continue: the run in DIR resumes when it has a checkpoint (what a requeued Slurm task runs again), else starts there.
  const continued = options.continue === true && options.out !== undefined && existsSync(join(resolve(io.cwd, options.out), 'checkpoints', 'last.ibck'));
  const resumeOption = continued ? options.out : options.resume;
  const outOption = continued ? undefined : options.out;
  if (continued) io.stderr(`--continue: ${options.out} has a checkpoint; resuming it\n`);
  const specPath = resolve(io.cwd, args[0]!);
  const compiled = compileForRun(specPath, io, overrides);
  if (!compiled) return EXIT_INPUT_ERROR;
  const members = sweepSize(specPath, nodeFileSystem);
  if (members > 0) io.stderr(`note: ${args[0]} has a sweep of ${members} members; ibc train trains the spec itself and ignores the sweep (ibc sweep ${args[0]} runs the members)\n`);
  const flattened = flattenSpec(specPath, compiled.spec, nodeFileSystem, [
    `The spec of this run, flattened by ibc train from ${specPath}:`,
    'extends merged in, data paths absolute. It resolves to the same spec hash (spec-hash.txt).',
    ...(overrides.length > 0 ? [`With the command-line overrides ${overrides.join(' ')} merged in.`] : []),
  ], overrides);
  if (!flattened.value) {
    io.stderr(renderDiagnostics(flattened.diagnostics, sourcesOf(flattened.diagnostics), { color: useColor(io) }));
    return EXIT_INPUT_ERROR;
  }
  // A resumed run computes as it started (run.json): its backend, step engine and thread count, unless told otherwise.
  const recorded = resumeOption !== undefined ? readRunIdentity(resolve(io.cwd, resumeOption)) : {};
  const backendRequest = options.backend ?? (recorded.backend !== undefined && isBackendRequest(recorded.backend) ? recorded.backend : 'auto');
  const stepRequest = options.step ?? (recorded.training_step === 'compiled' || recorded.training_step === 'tfjs' ? recorded.training_step : undefined);
  const threads = options.threads ?? (typeof recorded.threads === 'number' && threadsMatter(recorded.backend ?? '') ? recorded.threads : undefined);
  // The native kernels and tfjs-node read their thread count once, when they load: set it before the backend is chosen.
  if (threads !== undefined) Object.assign(process.env, threadEnv(threads));
  if (resumeOption !== undefined && recorded.backend !== undefined) {
    const taken = [options.backend === undefined ? `backend ${backendRequest}` : '', options.step === undefined && stepRequest ? `step ${stepRequest}` : '', options.threads === undefined && threads !== undefined ? `threads ${threads}` : ''].filter((t) => t !== '');
    if (taken.length > 0) io.stderr(`resume: the run's own ${taken.join(', ')} (run.json)\n`);
  }
  const backend = await chooseBackend(backendRequest, io);
  const display = createProgress(io);
  const progress = display.reporter;
  let result: Awaited<ReturnType<typeof runTraining>>;
  try {
    result = await runTraining(
    {
      spec: compiled.spec,
      ir: compiled.ir,
      hashSpec: specHash,
      specPath,
      specText: flattened.value,
      ...(outOption !== undefined ? { outDir: resolve(io.cwd, outOption) } : {}),
      ...(resumeOption !== undefined ? { resumeDir: resolve(io.cwd, resumeOption) } : {}),
      overwrite: options.overwrite === true,
      runsBase: resolve(io.cwd, 'runs'),
      ...opt('epochs', options.epochs),
      ...opt('limitTrain', options.limitTrain),
      ...opt('limitValidation', options.limitVal),
      ...opt('limitTest', options.limitTest),
      ...opt('seed', options.seed),
      ...opt('attentionImages', options.attention),
      ...opt('step', stepRequest),
      threads: backendThreads(backend.name),
      images: dataImageOptions(options, io),
      backend: backend.name,
      ...(backend.adapter ? { adapter: backend.adapter } : {}),
    },
    {
      info: (line) => progress.message(line),
      note: (d) => io.stderr(formatRunDiagnostic(d)),
      batch: (p) => progress.update(p),
      data: (p) => progress.data(p),
      evaluation: (e) => progress.evaluation(e),
      epoch: (row) =>
        progress.message(
          `epoch ${row.epoch}: loss ${row.train_loss_bits.toFixed(4)} bits, train ${percent(row.train_top1)}` +
            (row.val_top1 !== undefined ? `, val ${percent(row.val_top1)}` : '') +
            (row.val_loss_bits !== undefined ? ` (loss ${row.val_loss_bits.toFixed(4)} bits)` : '') +
            `, test top1 ${percent(row.test_top1)} top5 ${percent(row.test_top5)}, ${row.seconds.toFixed(1)}s, ${row.images_per_second.toFixed(1)} img/s`,
        ),
    },
  );
  } finally {
    display.close();
    releaseBackend(backend);
  }
  if (result.stopped) {
    io.stderr(stoppedMessage(result.stopped, resumeCommand(args[0]!, overrides, result.runDir, io.cwd)));
    return result.stopped.status;
  }
  if (result.summary) {
    const s = result.summary;
    io.stdout(
      `${s.name}: test top1 ${percent(s.test_top1)}, top5 ${percent(s.test_top5)}` +
        (s.best_val_top1 !== undefined ? `, best val ${percent(s.best_val_top1)} (epoch ${s.best_val_epoch})` : '') +
        ` after ${s.epochs} ${s.epochs === 1 ? 'epoch' : 'epochs'}, ${s.seconds.toFixed(1)}s on ${s.backend}${s.adapter ? ` [${s.adapter.name}, ${s.adapter.vendor}]` : ''} (${s.images_per_second.toFixed(1)} img/s)\n`,
    );
  }
  io.stdout(`run directory: ${result.runDir}\n`);
  if (options.profile && result.summary) io.stderr(formatPhases(result.summary.phases, secondsSinceProcessStart()));
  return EXIT_OK;
}

/** Inside the training loop: shown indented under it. */
const INSIDE_TRAINING = new Set(['batches', 'steps']);

/** The `--profile` table: seconds and share of the wall time per phase, the rest of the wall time last. */
export function formatPhases(phases: Readonly<Record<string, number>>, wallSeconds: number): string {
  const top = Object.entries(phases).filter(([phase]) => !INSIDE_TRAINING.has(phase));
  const accounted = top.reduce((sum, [, s]) => sum + s, 0);
  const row = (name: string, s: number): string => `  ${name.padEnd(16)} ${s.toFixed(2).padStart(8)} s ${((100 * s) / wallSeconds).toFixed(1).padStart(5)}%\n`;
  let text = `where the wall time went (${wallSeconds.toFixed(2)} s from process start; summary.json "phases"):\n`;
  for (const [phase, s] of top) {
    text += row(phase, s);
    if (phase === 'training') for (const inner of INSIDE_TRAINING) if (phases[inner] !== undefined) text += row(`  ${inner}`, phases[inner] ?? 0);
  }
  return text + row('other', Math.max(0, wallSeconds - accounted));
}

/** The command that continues a stopped run: the spec and overrides as given, the run directory as seen from here. */
export function resumeCommand(spec: string, overrides: readonly string[], runDir: string, cwd: string): string {
  const fromHere = relative(cwd, runDir);
  const dir = fromHere === '' ? '.' : fromHere.startsWith('..') || isAbsolute(fromHere) ? runDir : fromHere;
  return ['ibc', 'train', spec, ...overrides, '--resume', dir].map(shellWord).join(' ');
}

function stoppedMessage(stopped: StoppedRun, command: string): string {
  const where = stopped.batch === 0 ? `before epoch ${stopped.epoch}` : `in epoch ${stopped.epoch} after batch ${stopped.batch} of ${stopped.batches}`;
  return (
    `stopped by ${stopped.signal} ${where} (step ${stopped.step}); checkpoint: ${stopped.checkpoint}\n` +
    `resume with: ${command}\n`
  );
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export const trainCommand: Command = defineCommand<TrainOptions>({
  name: 'train',
  summary: 'train a spec and write a run directory (metrics, checkpoints, attention maps)',
  description: [
    'Trains the model a .ibspec file describes and writes a run directory:',
    'spec.ibspec (the spec flattened: no extends, data paths absolute, checkable on',
    'its own), resolved-spec.json, spec-hash.txt, metrics.jsonl (one line per epoch),',
    'checkpoints/last.ibck (and best.ibck with a validation split), summary.json and',
    'attention/*.png. A finished run is never overwritten.',
  ].join('\n'),
  arguments: [{ name: 'SPEC', description: 'the .ibspec file to train' }],
  overrides: true,
  options: [
    { flags: '--out <DIR>', description: 'run directory (default: runs/<name>-<yyyymmdd-hhmmss>, made unique); it must not hold a run already', parse: pathOption('--out') },
    { flags: '--overwrite', description: 'replace the run already in --out (its checkpoints, metrics and images are deleted)' },
    { flags: '--resume <DIR>', description: 'continue the run in DIR from checkpoints/last.ibck (a run killed after its last epoch is finished: summary, curves, attention images)', parse: pathOption('--resume') },
    { flags: '--continue', description: 'with --out DIR: resume the run in DIR when it has a checkpoint (an interrupted or preempted run), else start it there; sweep members run this way, so a requeued Slurm task resumes' },
    { flags: '--epochs <N>', description: "train to N epochs (default: the spec's train.epochs)", parse: wholeNumber('--epochs') },
    { flags: '--limit-train <N>', description: 'use only the first N training images; validation is cut in proportion (see --limit-val)', parse: wholeNumber('--limit-train') },
    { flags: '--limit-val <N>', description: "use only the first N validation images (default with --limit-train: the spec's validation fraction of N, at least 1)", parse: wholeNumber('--limit-val') },
    { flags: '--limit-test <N>', description: 'use only the first N test images', parse: wholeNumber('--limit-test') },
    { flags: '--backend <NAME>', description: BACKEND_HELP, parse: parseBackend },
    { flags: '--step <ENGINE>', description: STEP_HELP, parse: parseStep },
    { flags: '--seed <N>', description: "replace the spec's train.seed", parse: boundedWholeNumber('--seed', 0, MAX_SEED) },
    { flags: '--precision <P>', description: PRECISION_HELP, parse: parsePrecision },
    { flags: '--profile', description: 'print where the wall time went, by phase (start-up, data, training: batches and steps, evaluation, checkpoints, localization, figures); summary.json keeps the same as "phases"' },
    { flags: '--threads <N>', description: 'host threads for the native and tfjs-node backends (default: OMP_NUM_THREADS, else every core); part of the run\'s identity: results are bit-identical only at the same count', parse: wholeNumber('--threads') },
    { flags: '--attention <N>', description: 'attention images to write at the end (default 20, 0 = none)', parse: wholeNumber('--attention', 0) },
    ...TRAINER_OPTIONS,
    ...DATA_OPTIONS,
  ],
  epilog: [
    'Exit status: 0 trained, 1 errors in the spec, data, run directory or checkpoint, 2 usage errors,',
    '130 / 143 / 138 stopped by SIGINT (Ctrl-C) / SIGTERM / SIGUSR1: the run stops after the step in',
    'progress, saves checkpoints/last.ibck there and prints the command that resumes it exactly; a second',
    'signal stops at once (the last checkpoint written stays).',
  ].join('\n'),
  run: (input, io) => guardRun(io, 'train', () => run(input, io)),
});
