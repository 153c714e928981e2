/**
 * Parsers for option values shared by the commands (`parse` in an
 * OptionDefinition). Each names the option in its message, so the one-line
 * usage error says what was wrong and what is accepted.
 */
import { resolve } from 'node:path';
import { OptionValueError } from './define-command.js';
import { UsageError } from './command.js';
import { suggestClosest } from '../diagnostics/suggest.js';
import { controlCharacterProblem } from '../support/control-characters.js';
import { BACKEND_NAMES, type BackendRequest } from '../runtime/engine/backends/select.js';
import { STEP_NAMES, type StepRequest } from '../runtime/engine/choose-engine.js';
import { OUTPUT_FORMATS, type OutputFormat } from './report.js';
import { PRECISIONS, type Precision } from '../runtime/engine/precision.js';
import type { CheckpointChoice } from '../runtime/runs/resume.js';
import { parseMemorySize } from '../runtime/data/index.js';

/** A whole number of at least `min`, e.g. `--epochs` (min 1) or `--seed` (min 0). */
export function wholeNumber(option: string, min = 1): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) {
      const what = `${option} expects a whole number${min > 0 ? ` of at least ${min}` : ''}`;
      const hint = /^\s*-\d/.test(text) ? ' (negative numbers are not allowed)' : '';
      throw new OptionValueError(`${what}, got '${text}'${hint}`);
    }
    return n;
  };
}

/**
 * A path option (`--out`, `--plot-out`, `--weights`, `--resume`): any path
 * except one holding a control character (a newline, a tab, an escape), which
 * can only be a mistake and would make one path two wherever it is written down.
 */
export function pathOption(option: string): (text: string) => string {
  return (text) => {
    if (text === '') throw new OptionValueError(`${option} expects a path, got an empty string`);
    const problem = controlCharacterProblem(text);
    if (problem) throw new OptionValueError(`${option} ${JSON.stringify(text)} is refused: ${problem}`);
    return text;
  };
}

/** A whole number in [min, max], e.g. `--poll` (a day at most). */
export function boundedWholeNumber(option: string, min: number, max: number): (text: string) => number {
  const parse = wholeNumber(option, min);
  return (text) => {
    const n = parse(text);
    if (n > max) throw new OptionValueError(`${option} expects a whole number from ${min} to ${max.toLocaleString('en-US')}, got '${text}'`);
    return n;
  };
}

/** A positive finite number, e.g. `--tolerance 1e-4`. */
export function positiveNumber(option: string): (text: string) => number {
  return (text) => {
    const x = Number(text);
    if (text.trim() === '' || !Number.isFinite(x) || x <= 0) throw new OptionValueError(`${option} expects a positive number, got '${text}'`);
    return x;
  };
}

/** One of `choices`, with the nearest one suggested for a slip ('jsno' -> json). */
export function oneOf<T extends string>(option: string, choices: readonly T[]): (text: string) => T {
  return (text) => {
    if ((choices as readonly string[]).includes(text)) return text as T;
    const near = suggestClosest(text, choices);
    throw new OptionValueError(`${option} must be one of ${choices.join(', ')}, got '${text}'${near ? `; did you mean ${near}?` : ''}`);
  };
}

export const parseFormat: (text: string) => OutputFormat = oneOf('--format', OUTPUT_FORMATS);

export const parseBackend: (text: string) => BackendRequest = oneOf('--backend', BACKEND_NAMES);

/** The help text of --backend. */
export const BACKEND_HELP = `${BACKEND_NAMES.join(' | ')} (default auto)`;

export const parseStep: (text: string) => StepRequest = oneOf('--step', STEP_NAMES);
export const STEP_HELP = `what runs the training steps: ${STEP_NAMES.join(' | ')} (default auto: the compiled step, planned once from the IR, on ibc-native; the TF.js executor elsewhere)`;

export const parsePrecision: (text: string) => Precision = oneOf('--precision', PRECISIONS);
export const PRECISION_HELP =
  "arithmetic of convolutions and matrix products: fp32 | bf16 (bf16 operands, float32 accumulation, weights and optimizer state; ibc-native's compiled step on a CPU with AVX512_BF16 or AMX); sets the spec's train.precision";

/** `--precision P` as the override it stands for (train.precision=P), after the command's own overrides. */
export function withPrecision(overrides: readonly string[], precision: Precision | undefined): string[] {
  return precision === undefined ? [...overrides] : [...overrides, `train.precision=${precision}`];
}

/** The RUN_DIR argument and `--checkpoint last|best|PATH` of the commands that read a run (a PATH relative to the working folder). */
export function runTarget(runDir: string, checkpoint: string | undefined, cwd: string): { runDir: string; which: CheckpointChoice } {
  const which: CheckpointChoice = checkpoint === undefined || checkpoint === 'last' ? 'last' : checkpoint === 'best' ? 'best' : { path: resolve(cwd, checkpoint) };
  return { runDir: resolve(cwd, runDir), which };
}

/** `--checkpoint last|best|PATH`: a path has a '/' or a '.' (`./mine` for a bare file name), so a slip ('bset') is a usage error. */
export function parseCheckpoint(text: string): string {
  if (text === 'last' || text === 'best' || /[/.]/.test(text)) return text;
  const near = suggestClosest(text, ['last', 'best']);
  throw new OptionValueError(`--checkpoint must be last, best or the path of a checkpoint file (with a '/' or a '.', e.g. ./kept.ibck), got '${text}'${near !== undefined ? `; did you mean ${near}?` : ''}`);
}

export const CHECKPOINT_HELP = 'which checkpoint: last (default), best (best on validation; runs with a validation split) or the PATH of a checkpoint file of this run';

/** For checks that span options: throws the one-line usage error. */
export function usageError(message: string): never {
  throw new UsageError(message);
}

/** --data-memory SIZE: bytes with an optional unit (4G, 512M). */
export function memorySize(option: string): (text: string) => number {
  return (text) => {
    const bytes = parseMemorySize(text);
    if (bytes === undefined) throw new OptionValueError(`${option} expects a memory size such as 4G, 512M or 0, got '${text}'`);
    return bytes;
  };
}

/** The help text of --data-cache, --data-memory and --data-workers (the commands that load folder data). */
export const DATA_CACHE_HELP = "folder data: where decoded images are cached, or 'off' (default: $IBC_CACHE_DIR, else $XDG_CACHE_HOME/ibc, else ~/.cache/ibc)";
export const DATA_MEMORY_HELP = "folder data: memory for decoded images, e.g. 8G; larger data sets stream from the cache (default: $IBC_DATA_MEMORY, else a quarter of this machine's memory)";
export const DATA_WORKERS_HELP = 'folder data: threads that decode and crop images (default: $IBC_DATA_WORKERS, else the cores available, at most 8)';
