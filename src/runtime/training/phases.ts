/**
 * Where a training job's wall time goes, by phase (summary.json `phases`,
 * `ibc train --profile`): seconds accumulated per phase name, in the order
 * the phases first ran. The phases of `ibc train`: start-up (from process
 * start: module loading, compiling the spec, choosing the backend), data
 * (reading and decoding the dataset), training (the epochs' training loops),
 * evaluation (validation and test after each epoch; with samples, the run's
 * evaluation noise is drawn once, on a worker while the data loads, and every
 * evaluation replays it: support/normal-tape.ts, evaluation-noise.ts; a first
 * evaluation that outruns the worker waits for it here), checkpoints,
 * localization, figures (curves and attention images). Inside training:
 * batches (shuffling, augmentation, normalisation) and steps (forward,
 * backward, update).
 */
export class PhaseClock {
  private readonly seconds = new Map<string, number>();

  /** Adds `seconds` to `phase`. */
  add(phase: string, seconds: number): void {
    this.seconds.set(phase, (this.seconds.get(phase) ?? 0) + seconds);
  }

  /** Runs `f`, adding its wall time to `phase`. */
  time<T>(phase: string, f: () => T): T {
    const start = performance.now();
    try {
      return f();
    } finally {
      this.add(phase, (performance.now() - start) / 1000);
    }
  }

  /** Awaits `f`, adding its wall time to `phase`. */
  async timeAsync<T>(phase: string, f: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await f();
    } finally {
      this.add(phase, (performance.now() - start) / 1000);
    }
  }

  /** Seconds per phase, rounded to milliseconds, in first-run order. */
  record(): Record<string, number> {
    return Object.fromEntries([...this.seconds].map(([phase, s]) => [phase, Math.round(s * 1000) / 1000]));
  }
}

/** Seconds since the process started (Node's time origin): the start-up phase ends where a job first asks. */
export function secondsSinceProcessStart(): number {
  return performance.now() / 1000;
}
