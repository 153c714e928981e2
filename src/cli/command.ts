/**
 * The CLI's command interface. Commands return an exit status instead of
 * calling process.exit: 0 success, 1 errors in the input, 2 usage errors.
 * Only the CLI writes to the terminal; it does so through `io`, so tests can
 * capture output.
 *
 * A command is one `CommandDefinition` (cli/define-command.ts turns it into
 * commander's parser and help): its arguments and options are declared once,
 * and both `ibc COMMAND --help` and the parsing come from that declaration.
 */

/** The terminal a command draws on, when stderr is one. */
export interface Terminal {
  /** Current width in columns. */
  columns(): number;
  /** Calls `listener` after each resize; returns the function that stops listening. */
  onResize(listener: () => void): () => void;
}

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress redrawn in place). */
  readonly isTTY: boolean;
  readonly cwd: string;
  /** Colours in diagnostics: default `isTTY`; false when NO_COLOR is set (https://no-color.org). */
  readonly color?: boolean;
  /** Width and resizes of the terminal on stderr (absent: not a terminal, or a test). */
  readonly terminal?: Terminal;
}

export const EXIT_OK = 0;
export const EXIT_INPUT_ERROR = 1;
export const EXIT_USAGE = 2;

/** Whether diagnostics on stderr get colours. */
export function useColor(io: CliIO): boolean {
  return io.color ?? io.isTTY;
}

/** A usage problem found after parsing (two options that exclude each other, a value out of range): one line, exit 2. */
export class UsageError extends Error {}

export interface Command {
  readonly name: string;
  /** One line for `ibc --help`. */
  readonly summary: string;
  /** The text of `ibc COMMAND --help`, generated from the definition. */
  help(): string;
  /** Parses `args` (everything after the command's name) and runs the command. */
  run(args: readonly string[], io: CliIO): Promise<number>;
}
