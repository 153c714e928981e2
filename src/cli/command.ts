/**
 * The CLI's command interface. Commands return an exit status instead of
 * calling process.exit: 0 success, 1 errors in the input, 2 usage errors.
 * Only the CLI writes to the terminal; it does so through `io`, so tests can
 * capture output.
 */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars, colours). */
  readonly isTTY: boolean;
  readonly cwd: string;
}

export const EXIT_OK = 0;
export const EXIT_INPUT_ERROR = 1;
export const EXIT_USAGE = 2;

export interface Command {
  readonly name: string;
  /** One line for `ibc --help`. */
  readonly summary: string;
  /** Full text for `ibc COMMAND --help`. */
  readonly usage: string;
  run(args: readonly string[], io: CliIO): Promise<number>;
}
