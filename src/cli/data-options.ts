/**
 * --data-cache, --data-memory and --data-workers (and IBC_DATA_MEMORY, IBC_DATA_WORKERS) as the
 * options folder data is loaded with (runtime/data's ImageLoadOptions), for
 * every command that loads a run's data: train, eval, attention.
 */
import { resolve } from 'node:path';
import type { CliIO } from './command.js';
import type { OptionDefinition } from './define-command.js';
import { DATA_CACHE_HELP, DATA_MEMORY_HELP, DATA_WORKERS_HELP, memorySize, usageError, wholeNumber } from './option-values.js';
import { parseMemorySize, type ImageLoadOptions } from '../runtime/data/index.js';
import { createProgress } from './progress-display.js';

/** The three flags, defined once so that every command reads them alike. */
export const DATA_OPTIONS: readonly OptionDefinition[] = [
  { flags: '--data-cache <DIR>', description: DATA_CACHE_HELP },
  { flags: '--data-memory <SIZE>', description: DATA_MEMORY_HELP, parse: memorySize('--data-memory') },
  { flags: '--data-workers <N>', description: DATA_WORKERS_HELP, parse: wholeNumber('--data-workers') },
];

export interface DataFlags {
  readonly dataCache?: string;
  readonly dataMemory?: number;
  readonly dataWorkers?: number;
}

export function dataImageOptions(flags: DataFlags, io: CliIO, env: NodeJS.ProcessEnv = process.env): { cache?: string; memoryBudget?: number; workers?: number } {
  const cache = flags.dataCache === undefined || flags.dataCache === 'off' ? flags.dataCache : resolve(io.cwd, flags.dataCache);
  let memoryBudget = flags.dataMemory;
  const fromEnv = env.IBC_DATA_MEMORY;
  if (memoryBudget === undefined && fromEnv !== undefined && fromEnv !== '') {
    memoryBudget = parseMemorySize(fromEnv);
    if (memoryBudget === undefined) usageError(`IBC_DATA_MEMORY='${fromEnv}' is not a memory size: give bytes with an optional unit, e.g. 8G or 512M`);
  }
  let workers = flags.dataWorkers;
  const workersFromEnv = env.IBC_DATA_WORKERS;
  if (workers === undefined && workersFromEnv !== undefined && workersFromEnv !== '') {
    workers = /^\s*[1-9]\d*\s*$/.test(workersFromEnv) ? Number(workersFromEnv) : usageError(`IBC_DATA_WORKERS='${workersFromEnv}' is not a whole number of threads ≥ 1`);
  }
  return {
    ...(cache !== undefined ? { cache } : {}),
    ...(memoryBudget !== undefined ? { memoryBudget } : {}),
    ...(workers !== undefined ? { workers } : {}),
  };
}

/**
 * The image options of a command that loads a finished run's data (eval, attention), with
 * decoding progress (rate, ETA) and the cache's notes on stderr as ibc train shows them.
 * `close()` ends the progress line once the data is loaded or the command failed.
 */
export function withDataProgress(options: ReturnType<typeof dataImageOptions>, io: CliIO): { readonly images: ImageLoadOptions; close(): void } {
  const display = createProgress(io);
  return {
    images: { ...options, onProgress: (p) => display.reporter.data(p), onNote: (line) => display.reporter.message(line) },
    close: () => display.close(),
  };
}
