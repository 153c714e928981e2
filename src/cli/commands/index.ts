/**
 * The single registration list of CLI commands, in help order: each command's name and its
 * module, loaded only when that command runs (or when help lists them all). `ibc train` so
 * never loads what only other commands use (the ONNX writer, the results tables and plots,
 * the benchmark suites): module loading is most of a command's start-up.
 */
import type { Command } from '../command.js';

const COMMANDS: readonly (readonly [string, () => Promise<Command>])[] = [
  ['check', async () => (await import('./check.js')).checkCommand],
  ['schema', async () => (await import('./schema.js')).schemaCommand],
  ['expand', async () => (await import('./expand.js')).expandCommand],
  ['fmt', async () => (await import('./fmt.js')).fmtCommand],
  ['train', async () => (await import('./train.js')).trainCommand],
  ['sweep', async () => (await import('./sweep.js')).sweepCommand],
  ['results', async () => (await import('./results.js')).resultsCommand],
  ['eval', async () => (await import('./eval.js')).evalCommand],
  ['attention', async () => (await import('./attention.js')).attentionCommand],
  ['compile', async () => (await import('./compile.js')).compileCommand],
  ['bench', async () => (await import('./bench.js')).benchCommand],
  ['explain', async () => (await import('./explain.js')).explainCommand],
  ['doctor', async () => (await import('./doctor.js')).doctorCommand],
];

/** Every command's name, in help order. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/** The command named `name`, loaded; undefined when there is none. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return COMMANDS.find(([n]) => n === name)?.[1]();
}

/** Every command, loaded (for help), in help order. */
export function commandTable(): Promise<readonly Command[]> {
  return Promise.all(COMMANDS.map(([, load]) => load()));
}
