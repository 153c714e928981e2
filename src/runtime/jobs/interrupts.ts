/**
 * Interrupts of a training job. The first SIGINT or SIGTERM (or SIGUSR1, which
 * Slurm sends ahead of a preemption or the time limit with `--signal=USR1@120`)
 * only asks the job to stop: the training loop stops at the next step boundary
 * and writes a checkpoint it can resume from exactly. A second one stops the
 * process at once: the checkpoints are written atomically, so the last good
 * one stays; `onForce` removes the run's lock first.
 *
 * The exit status follows the shell's convention, 128 + the signal's number:
 * 130 for SIGINT, 143 for SIGTERM, 138 for SIGUSR1.
 */
import { constants } from 'node:os';

export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGUSR1';

const SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGUSR1'];

/** 128 + the signal's number, what a shell reports for a process the signal ended. */
export function exitStatusOf(signal: InterruptSignal): number {
  return 128 + constants.signals[signal];
}

export interface InterruptWatch {
  /** The first signal received, if any. */
  received(): InterruptSignal | undefined;
  /** Restores the default handling (a signal after this ends the process as usual). */
  dispose(): void;
}

export interface InterruptHandlers {
  /** The first signal: the job will stop at the next step boundary. */
  onFirst(signal: InterruptSignal): void;
  /** A second signal: about to exit at once with `status`; synchronous clean-up only. */
  onForce(signal: InterruptSignal, status: number): void;
  /** Ends the process (tests substitute it). */
  exit?: (status: number) => void;
}

/** The signal a stopped `ibc train` reports by its exit status (130, 143, 138), if any. */
export function signalOfExitStatus(status: number | string): InterruptSignal | undefined {
  return SIGNALS.find((signal) => exitStatusOf(signal) === status);
}

/**
 * Each of `signals`, in place of its default handling (the process ends) until `dispose`, goes to
 * `onSignal` with how many of them have come so far (1 for the first).
 */
export function countInterrupts<S extends InterruptSignal>(signals: readonly S[], onSignal: (signal: S, count: number) => void): { dispose(): void } {
  let count = 0;
  const listeners = signals.map((signal) => {
    const listener = (): void => onSignal(signal, ++count);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return {
    dispose: () => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    },
  };
}

export function watchInterrupts(handlers: InterruptHandlers): InterruptWatch {
  let first: InterruptSignal | undefined;
  const exit = handlers.exit ?? ((status: number) => process.exit(status));
  const watch = countInterrupts(SIGNALS, (signal, count) => {
    if (count === 1) {
      first = signal;
      handlers.onFirst(signal);
      return;
    }
    const status = exitStatusOf(signal);
    handlers.onForce(signal, status);
    exit(status);
  });
  return { received: () => first, dispose: watch.dispose };
}
