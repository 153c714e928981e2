/**
 * One definition per command: its arguments and options, declared once, from
 * which commander (https://github.com/tj/commander.js) builds both the parser
 * and `ibc COMMAND --help`. Every usage error comes out as one line that names
 * the option, suggests the nearest valid one where there is one, and exits 2.
 *
 * Adding a command is one file: `export const fooCommand = defineCommand({...})`
 * and one entry (its name and module) in commands/index.ts. A command that sets `overrides: true`
 * receives its Hydra-style `key.path=value` positionals apart from its other
 * arguments (`input.overrides`), in the order given.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command as Commander, CommanderError, InvalidArgumentError } from 'commander';
import type { CliIO, Command } from './command.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from './command.js';
import { suggestClosest } from '../diagnostics/suggest.js';
import { isOverrideArgument } from '../compiler/spec/overrides.js';

export interface ArgumentDefinition {
  /** Shown in upper case in help, e.g. SPEC, FILE, RUN_DIR. */
  readonly name: string;
  readonly description: string;
  /** Zero or more (with `optional`) or one or more. */
  readonly variadic?: boolean;
  readonly optional?: boolean;
}

export interface OptionDefinition {
  /** commander flags: '--epochs <N>' takes a value, '--verify' is a switch. */
  readonly flags: string;
  readonly description: string;
  /**
   * Turns the option's text into the value the command reads. Throw
   * `OptionValueError` (from the helpers in option-values.ts) for a bad value.
   */
  readonly parse?: (text: string) => unknown;
  /** May be given more than once: the command reads the (parsed) values as an array, in order. */
  readonly repeatable?: boolean;
}

export interface CommandInput<O> {
  /** Positional arguments, overrides excluded. */
  readonly args: readonly string[];
  /** Option values by camel-cased name (`--limit-train` is `limitTrain`); undefined when not given. */
  readonly options: O;
  /** `key.path=value` positionals, for commands with `overrides: true`. */
  readonly overrides: readonly string[];
  /** Everything after the command's name, as given (for a command to print how to run it again). */
  readonly argv: readonly string[];
}

export interface CommandDefinition<O> {
  readonly name: string;
  /** One line for `ibc --help`. */
  readonly summary: string;
  /** Paragraphs shown under the usage line. */
  readonly description: string;
  readonly arguments: readonly ArgumentDefinition[];
  readonly options: readonly OptionDefinition[];
  /** Text after the options: details, examples, the exit statuses. */
  readonly epilog?: string;
  /** Accepts Hydra-style `key.path=value` overrides among its positionals. */
  readonly overrides?: boolean;
  run(input: CommandInput<O>, io: CliIO): Promise<number>;
}

/** A bad option value; its message is the whole one-line explanation ("--epochs expects ..."). */
export class OptionValueError extends InvalidArgumentError {}

/**
 * A `key.path=value` positional, by the spec's own definition of an override
 * (compiler/spec/overrides.ts), unless it is a spec file: names ending in
 * `.ibspec`, or naming a file that exists under `cwd`, are files. Member specs
 * are named like overrides (`small--beta=0.1.ibspec`).
 */
export function isOverride(token: string, cwd?: string): boolean {
  if (!isOverrideArgument(token) || token.endsWith('.ibspec')) return false;
  return cwd === undefined || !existsSync(resolve(cwd, token));
}

/** commander's error text as one line: no 'error: ' prefix, the suggestion folded in. */
export function oneLineUsageMessage(message: string): string {
  const lines = message.replace(/^error: /, '').split('\n').filter((l) => l.trim() !== '');
  let first = lines[0] ?? message;
  const invalid = /^option '[^']*' argument '.*' is invalid\. (.*)$/s.exec(first);
  if (invalid) first = invalid[1]!;
  const suggestion = /\(Did you mean (.+)\?\)/.exec(lines.slice(1).join(' '));
  return suggestion ? `${first}; did you mean ${suggestion[1]}?` : first;
}

function argumentUsage(a: ArgumentDefinition): string {
  const name = `${a.name}${a.variadic ? '...' : ''}`;
  return a.optional ? `[${name}]` : `<${name}>`;
}

function usageLine<O>(def: CommandDefinition<O>): string {
  const args = def.arguments.map((a) => (a.optional ? `[${a.name}${a.variadic ? '...' : ''}]` : `${a.name}${a.variadic ? '...' : ''}`));
  return [...args, '[options]', ...(def.overrides ? ['[key.path=value...]'] : [])].join(' ');
}

/** The commander command for `def`, writing through `io` and throwing instead of exiting. */
function buildParser<O>(def: CommandDefinition<O>, io: Pick<CliIO, 'stdout' | 'stderr' | 'terminal'>, onAction: () => void): Commander {
  const parser = new Commander(`ibc ${def.name}`)
    .description(def.description)
    .usage(usageLine(def))
    .exitOverride()
    .showSuggestionAfterError(true)
    .allowExcessArguments(def.overrides === true)
    .helpOption('-h, --help', 'show this help')
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: () => undefined, // printed as one line by runDefinition
      getOutHelpWidth: () => Math.min(100, io.terminal?.columns() ?? 80),
      getErrHelpWidth: () => Math.min(100, io.terminal?.columns() ?? 80),
    })
    .action(onAction);
  for (const a of def.arguments) parser.argument(argumentUsage(a), a.description);
  for (const o of def.options) {
    if (o.repeatable) {
      const parse = o.parse ?? ((text: string) => text);
      parser.option(o.flags, o.description, (text: string, previous: unknown[] | undefined) => [...(previous ?? []), parse(text)]);
    } else if (o.parse) {
      const parse = o.parse;
      parser.option(o.flags, o.description, (text: string) => parse(text));
    } else {
      parser.option(o.flags, o.description);
    }
  }
  const epilog = [
    ...(def.overrides ? ['Overrides: key.path=value arguments set spec keys for this invocation (Hydra style).'] : []),
    ...(def.epilog ? [def.epilog.trimEnd()] : []),
  ];
  if (epilog.length > 0) parser.addHelpText('after', `\n${epilog.join('\n\n')}\n`);
  return parser;
}

/** Splits commander's positionals into arguments and overrides, and checks the count. */
function splitPositionals<O>(def: CommandDefinition<O>, positionals: readonly string[], cwd: string): { args: string[]; overrides: string[] } {
  if (!def.overrides) return { args: [...positionals], overrides: [] };
  const args = positionals.filter((p) => !isOverride(p, cwd));
  const overrides = positionals.filter((p) => isOverride(p, cwd));
  const required = def.arguments.filter((a) => !a.optional).length;
  const variadic = def.arguments.some((a) => a.variadic);
  if (args.length < required) throw new UsageError(`missing required argument '${def.arguments[args.length]!.name}'`);
  if (!variadic && args.length > def.arguments.length) {
    throw new UsageError(`too many arguments: expected ${def.arguments.length}, got ${args.length} (${args.join(' ')})`);
  }
  return { args, overrides };
}

function printUsageProblem(io: CliIO, name: string, message: string): number {
  io.stderr(`ibc ${name}: ${message} (see 'ibc ${name} --help')\n`);
  return EXIT_USAGE;
}

async function runDefinition<O>(def: CommandDefinition<O>, argv: readonly string[], io: CliIO): Promise<number> {
  let acted = false;
  const parser = buildParser(def, io, () => {
    acted = true;
  });
  try {
    parser.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT_OK;
      return printUsageProblem(io, def.name, oneLineUsageMessage(error.message));
    }
    throw error;
  }
  if (!acted) return EXIT_OK;
  let input: CommandInput<O>;
  try {
    const { args, overrides } = splitPositionals(def, parser.args, io.cwd);
    input = { args, overrides, options: parser.opts<O & Record<string, unknown>>(), argv: [...argv] };
  } catch (error) {
    if (error instanceof UsageError) return printUsageProblem(io, def.name, error.message);
    throw error;
  }
  try {
    return await def.run(input, io);
  } catch (error) {
    if (error instanceof UsageError) return printUsageProblem(io, def.name, error.message);
    throw error;
  }
}

export function defineCommand<O>(def: CommandDefinition<O>): Command {
  return {
    name: def.name,
    summary: def.summary,
    help: () => {
      let text = '';
      buildParser(def, { stdout: (t) => void (text += t), stderr: () => undefined }, () => undefined).outputHelp();
      return text;
    },
    run: (args, io) => runDefinition(def, args, io),
  };
}

/** The one-line message for an unknown command, with the nearest command name. */
export function unknownCommandMessage(name: string, known: readonly string[]): string {
  const near = suggestClosest(name, known);
  return `ibc: unknown command '${name}'${near ? `; did you mean ${near}?` : ''} (see 'ibc --help')`;
}
