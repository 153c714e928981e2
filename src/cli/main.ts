/**
 * `ibc` entry point: dispatches to one module per command (cli/commands/*).
 * The command table is the single registration list.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { CliIO, Command } from './command.js';
import { EXIT_OK, EXIT_USAGE } from './command.js';
import { commandTable } from './commands/index.js';

function packageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function topLevelHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'ibc: compile .ibspec experiment files into trainable IB-attention models',
    '',
    'Usage: ibc COMMAND [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help, -h     show help (also: ibc COMMAND --help)',
    '  --version, -v  print the version',
    '',
    'Exit status: 0 success, 1 errors in the input, 2 usage errors.',
    '',
  ].join('\n');
}

export function defaultIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const commands = commandTable();
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout(topLevelHelp(commands));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    io.stderr(`ibc: unknown command '${first}'. Run 'ibc --help' for the list.\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return EXIT_OK;
  }
  return command.run(rest, io);
}
