/**
 * The training progress display on the CLI's stderr: redrawn in place and
 * fitted to the terminal's width (and redrawn at once when it is resized) on a
 * terminal, plain lines otherwise (runtime/training/progress.ts draws; this wires it to
 * the terminal).
 */
import type { CliIO } from './command.js';
import { ProgressReporter } from '../runtime/training/progress.js';

export interface ProgressDisplay {
  readonly reporter: ProgressReporter;
  /** Ends the line and stops listening for resizes. */
  close(): void;
}

export function createProgress(io: CliIO): ProgressDisplay {
  const terminal = io.isTTY ? io.terminal : undefined;
  const reporter = new ProgressReporter({
    write: io.stderr,
    isTTY: io.isTTY,
    ...(terminal ? { columns: () => terminal.columns() } : {}),
  });
  const stop = terminal?.onResize(() => reporter.redraw());
  return {
    reporter,
    close: () => {
      stop?.();
      reporter.finish();
    },
  };
}
