/**
 * `ibc train SPEC`: compile, pick a backend, train, write the run directory.
 * The work is in runtime/train/run-training.ts; this module parses options,
 * prints, and maps outcomes to exit codes.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import { guardRun, formatRunDiagnostic } from '../run-errors.js';
import { compileSpec } from '../../compiler/compile.js';
import { isOverrideArgument } from '../../compiler/spec/overrides.js';
import { sweepSize } from '../../compiler/spec/load-spec.js';
import { currentMachine } from '../../compiler/resources/check-resources.js';
import { specHash } from '../../compiler/spec/serialize.js';
import { nodeFileSystem } from '../../host/file-system.js';
import { hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../../diagnostics/render.js';
import { selectBackend, releaseBackend, isBackendRequest, BACKEND_NAMES, type BackendChoice, type BackendRequest } from '../../runtime/backends/select.js';
import { formatAdapter } from '../../runtime/backends/webgpu/adapter.js';
import { runTraining } from '../../runtime/train/run-training.js';
import { ProgressReporter } from '../../runtime/progress.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import type { ModelIR } from '../../compiler/ir/ir.js';

const USAGE = `Usage: ibc train SPEC [PATH=VALUE ...] [options]

Trains the model a .ibspec file describes and writes a run directory:
spec.ibspec, resolved-spec.json, spec-hash.txt, metrics.jsonl (one line per
epoch), checkpoints/last.ibck (and best.ibck when the data has a validation
split), summary.json, curves.png and attention/*.png. PATH=VALUE arguments
override the spec's values, checked like the spec (e.g. model.attention.beta=0.1
train.seed=3).

Options:
  --out DIR          run directory (default: runs/<name>-<yyyymmdd-hhmmss>)
  --epochs N         train to N epochs (default: the spec's train.epochs)
  --limit-train N    use only the first N training images
  --limit-test N     use only the first N test images
  --backend NAME     auto | cpu | ibc-native | tensorflow | tensorflow-gpu | webgpu (default auto)
  --resume DIR       continue the run in DIR from checkpoints/last.ibck
  --seed N           replace the spec's train.seed
  --attention N      attention images to write at the end (default 20, 0 = none)

Exit status: 0 trained, 1 errors in the spec, data or checkpoint, 2 usage errors.
`;

/** A usage problem: printed with the usage line, exit 2. */
export class UsageError extends Error {}

export function parseCount(option: string, text: string | undefined, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${option} expects a whole number${min > 0 ? ` of at least ${min}` : ''}, got '${text}'`);
  }
  return n;
}

export function parseBackend(text: string | undefined): BackendRequest {
  if (text === undefined) return 'auto';
  if (!isBackendRequest(text)) throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}; got '${text}'`);
  return text;
}

/** node:util parseArgs, with its errors turned into UsageError. */
/** The RUN_DIR positional and `--checkpoint last|best` shared by the commands that read a run. */
export function parseRunTarget(
  positionals: readonly string[],
  checkpoint: string | undefined,
  cwd: string,
): { runDir: string; which: 'last' | 'best' } {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing RUN_DIR' : `expected one RUN_DIR, got ${positionals.length}`);
  const which = checkpoint ?? 'last';
  if (which !== 'last' && which !== 'best') throw new UsageError(`--checkpoint must be 'last' or 'best', got '${which}'`);
  return { runDir: resolve(cwd, positionals[0]!), which };
}

export function parseCommandArgs<T extends Record<string, { type: 'string' | 'boolean' }>>(args: readonly string[], options: T): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

/** Reads every file a diagnostic points into, for code frames. */
export function sourcesOf(diagnostics: readonly Diagnostic[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const d of diagnostics) {
    const file = d.span?.file;
    if (!file || sources.has(file)) continue;
    const bytes = nodeFileSystem.readFile(file);
    if (bytes) sources.set(file, new TextDecoder().decode(bytes));
  }
  return sources;
}

/** Compiles a spec with its PATH=VALUE overrides; prints its diagnostics (warnings too). Undefined when it has errors. */
export function compileForRun(path: string, io: CliIO, overrides: readonly string[] = []): { spec: ResolvedSpec; ir: ModelIR } | undefined {
  const sources = new Map<string, string>();
  // A run that cannot fit this machine's memory is refused before it allocates anything.
  const result = compileSpec(path, nodeFileSystem, { sources, overrides, machine: currentMachine(true) });
  if (result.diagnostics.length > 0) io.stderr(renderDiagnostics(result.diagnostics, new Map([...sourcesOf(result.diagnostics), ...sources]), { color: io.isTTY }));
  if (hasErrors(result.diagnostics) || !result.value) return undefined;
  return result.value;
}

export async function chooseBackend(request: BackendRequest, io: CliIO): Promise<BackendChoice> {
  const choice = await selectBackend(request);
  io.stderr(`backend: ${choice.name} (${choice.reason})${choice.adapter ? ` on ${formatAdapter(choice.adapter)}` : ''}\n`);
  for (const w of choice.warnings) io.stderr(formatRunDiagnostic(w));
  return choice;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

async function run(args: readonly string[], io: CliIO): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  let overrides: string[] = [];
  let options: { epochs?: number; limitTrain?: number; limitTest?: number; seed?: number; attention?: number; backend: BackendRequest };
  try {
    ({ values, positionals } = parseCommandArgs(args, {
      out: { type: 'string' },
      epochs: { type: 'string' },
      'limit-train': { type: 'string' },
      'limit-test': { type: 'string' },
      backend: { type: 'string' },
      resume: { type: 'string' },
      seed: { type: 'string' },
      attention: { type: 'string' },
    }));
    overrides = positionals.filter(isOverrideArgument);
    positionals = positionals.filter((p) => !isOverrideArgument(p));
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing SPEC (the .ibspec file to train)' : `expected one SPEC, got ${positionals.length}: ${positionals.join(' ')}`);
    if (values['out'] !== undefined && values['resume'] !== undefined) throw new UsageError('--out and --resume cannot be combined: a resumed run continues in its own directory');
    options = {
      ...opt('epochs', parseCount('--epochs', values['epochs'] as string | undefined)),
      ...opt('limitTrain', parseCount('--limit-train', values['limit-train'] as string | undefined)),
      ...opt('limitTest', parseCount('--limit-test', values['limit-test'] as string | undefined)),
      ...opt('seed', parseCount('--seed', values['seed'] as string | undefined, 0)),
      ...opt('attention', parseCount('--attention', values['attention'] as string | undefined, 0)),
      backend: parseBackend(values['backend'] as string | undefined),
    };
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ibc train: ${error.message}\n${USAGE.split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  const specPath = resolve(io.cwd, positionals[0]!);
  const compiled = compileForRun(specPath, io, overrides);
  if (!compiled) return EXIT_INPUT_ERROR;
  const members = sweepSize(specPath, nodeFileSystem);
  if (members > 0) io.stderr(`note: ${positionals[0]} has a sweep of ${members} members; ibc train trains the spec itself and ignores the sweep (ibc sweep ${positionals[0]} runs the members)\n`);
  const backend = await chooseBackend(options.backend, io);
  const progress = new ProgressReporter({ write: io.stderr, isTTY: io.isTTY });
  let result;
  try {
    result = await runTraining(
    {
      spec: compiled.spec,
      ir: compiled.ir,
      hashSpec: specHash,
      specPath,
      ...(values['out'] !== undefined ? { outDir: resolve(io.cwd, values['out'] as string) } : {}),
      ...(values['resume'] !== undefined ? { resumeDir: resolve(io.cwd, values['resume'] as string) } : {}),
      runsBase: resolve(io.cwd, 'runs'),
      ...opt('epochs', options.epochs),
      ...opt('limitTrain', options.limitTrain),
      ...opt('limitTest', options.limitTest),
      ...opt('seed', options.seed),
      ...opt('attentionImages', options.attention),
      backend: backend.name,
      ...(backend.adapter ? { adapter: backend.adapter } : {}),
    },
    {
      info: (line) => progress.message(line),
      note: (d) => io.stderr(formatRunDiagnostic(d)),
      batch: (p) => progress.update(p),
      epoch: (row) =>
        progress.message(
          `epoch ${row.epoch}: loss ${row.train_loss_bits.toFixed(4)} bits, train ${percent(row.train_top1)}` +
            (row.val_top1 !== undefined ? `, val ${percent(row.val_top1)}` : '') +
            `, test top1 ${percent(row.test_top1)} top5 ${percent(row.test_top5)}, ${row.seconds.toFixed(1)}s, ${row.images_per_second.toFixed(1)} img/s`,
        ),
    },
  );
  } finally {
    releaseBackend(backend);
  }
  progress.finish();
  if (result.summary) {
    const s = result.summary;
    io.stdout(
      `${s.name}: test top1 ${percent(s.test_top1)}, top5 ${percent(s.test_top5)}` +
        (s.best_val_top1 !== undefined ? `, best val ${percent(s.best_val_top1)} (epoch ${s.best_val_epoch})` : '') +
        ` after ${s.epochs} epochs, ${s.seconds.toFixed(1)}s on ${s.backend}${s.adapter ? ` [${s.adapter.name}, ${s.adapter.vendor}]` : ''} (${s.images_per_second.toFixed(1)} img/s)\n`,
    );
  }
  io.stdout(`run directory: ${result.runDir}\n`);
  return EXIT_OK;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a spec and write a run directory (metrics, checkpoints, attention maps)',
  usage: USAGE,
  run: (args, io) => guardRun(io, 'train', () => run(args, io)),
};
