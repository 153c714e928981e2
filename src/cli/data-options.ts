/**
 * --data-cache, --data-memory and --data-workers (and IBC_DATA_MEMORY) as the
 * options folder data is loaded with (runtime/data's ImageLoadOptions).
 */
import { resolve } from 'node:path';
import type { CliIO } from './command.js';
import { usageError } from './option-values.js';
import { parseMemorySize } from '../runtime/data/index.js';

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
  return {
    ...(cache !== undefined ? { cache } : {}),
    ...(memoryBudget !== undefined ? { memoryBudget } : {}),
    ...(flags.dataWorkers !== undefined ? { workers: flags.dataWorkers } : {}),
  };
}
