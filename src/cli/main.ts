/**
 * `ibc` entry point: dispatches to one module per command (cli/commands/*).
 * The command table is the single registration list; each command's parser
 * and help come from its one definition (cli/define-command.ts).
 */
import { readTextIfReadable } from '../host/read-file.js';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { CliIO, Command } from './command.js';
import { EXIT_OK, EXIT_USAGE } from './command.js';
import { COMMAND_NAMES, commandTable, loadCommand } from './commands/index.js';
import { unknownCommandMessage } from './define-command.js';

function packageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(readTextIfReadable('asset', join(here, '..', '..', 'package.json')) ?? '{}') as { version?: string };
  return pkg.version ?? 'unknown';
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
  const stream = process.stderr;
  const isTTY = Boolean(stream.isTTY);
  const noColor = (process.env['NO_COLOR'] ?? '') !== '';
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => stream.write(t),
    isTTY,
    cwd: process.cwd(),
    color: isTTY && !noColor,
    ...(isTTY
      ? {
          terminal: {
            columns: () => stream.columns || 80,
            onResize: (listener: () => void) => {
              stream.on('resize', listener);
              return () => void stream.off('resize', listener);
            },
          },
        }
      : {}),
  };
}

export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const commands = await commandTable();
    const topic = first === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : commands.find((c) => c.name === topic);
    if (topic !== undefined && !command) {
      io.stderr(`${unknownCommandMessage(topic, commands.map((c) => c.name))}\n`);
      return EXIT_USAGE;
    }
    io.stdout(command ? command.help() : topLevelHelp(commands));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const command = loadCommand(first);
  if (!command) {
    io.stderr(`${unknownCommandMessage(first, COMMAND_NAMES)}\n`);
    return EXIT_USAGE;
  }
  return (await command).run(rest, io);
}
