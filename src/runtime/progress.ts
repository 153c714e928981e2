/**
 * A progress reporter for training. It writes through a function it is given
 * (the CLI passes process.stderr's write), so it never touches the terminal
 * itself.
 *
 * On a TTY: one line rewritten in place (carriage return + clear-to-end),
 * at most every `minIntervalMs`, with a bar, epoch, step/total, loss, accuracy,
 * images/s and the ETA of the whole run; the line is finished with a newline
 * at the end of each epoch. Not on a TTY (CI logs, files): a plain line every
 * `every` steps and at the end of each epoch, with no control characters.
 */

export interface ProgressUpdate {
  /** 1-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** 1-based step within the epoch. */
  readonly batch: number;
  readonly batches: number;
  /** The training objective so far this epoch, in bits (MetricsRow.train_loss_bits). */
  readonly loss: number;
  /** Fraction 0..1. */
  readonly accuracy: number;
  readonly imagesPerSecond: number;
}

export interface ProgressOptions {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  /** Non-TTY: print every this many steps (default 100), and always at an epoch's last step. */
  readonly every?: number;
  /** TTY: terminal width (default 100); the line is cut to fit. */
  readonly columns?: number;
  /** TTY: least time between redraws (default 100 ms). */
  readonly minIntervalMs?: number;
  /** Milliseconds clock, injectable for tests (default performance.now). */
  readonly now?: () => number;
}

const BAR_WIDTH = 20;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

function formatNumber(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export class ProgressReporter {
  private readonly options: ProgressOptions;
  private readonly now: () => number;
  private startedAt: number | undefined;
  private stepsSeen = 0;
  private lastDraw = -Infinity;
  private lineOpen = false;

  constructor(options: ProgressOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  /** The text of one progress line (no control characters). */
  describe(u: ProgressUpdate, at: number = this.now()): string {
    const width = String(u.batches).length;
    const parts = [
      `epoch ${u.epoch}/${u.epochs}`,
      `step ${String(u.batch).padStart(width)}/${u.batches}`,
      `loss ${formatNumber(u.loss, 4)} bits`,
      `acc ${formatNumber(100 * u.accuracy, 1)}%`,
      `${formatNumber(u.imagesPerSecond, u.imagesPerSecond < 10 ? 2 : 0)} img/s`,
      `ETA ${formatDuration(this.eta(u, at))}`,
    ];
    return parts.join('  ');
  }

  /** Seconds left in the run at the measured time per step (NaN, shown as '?', until two steps are seen). */
  private eta(u: ProgressUpdate, at: number): number {
    if (this.startedAt === undefined || this.stepsSeen < 2) return NaN;
    const perStep = (at - this.startedAt) / 1000 / (this.stepsSeen - 1);
    const left = (u.batches - u.batch) + (u.epochs - u.epoch) * u.batches;
    return perStep * left;
  }

  update(u: ProgressUpdate): void {
    const t = this.now();
    if (this.startedAt === undefined) this.startedAt = t;
    this.stepsSeen++;
    const last = u.batch >= u.batches;
    if (this.options.isTTY) {
      if (!last && t - this.lastDraw < (this.options.minIntervalMs ?? 100)) return;
      this.lastDraw = t;
      const filled = Math.round((BAR_WIDTH * u.batch) / u.batches);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
      const text = `${bar} ${this.describe(u, t)}`.slice(0, Math.max(20, (this.options.columns ?? 100) - 1));
      this.options.write(`\r${text}\x1b[K`);
      this.lineOpen = true;
      if (last) this.endLine();
      return;
    }
    const every = Math.max(1, this.options.every ?? 100);
    if (last || u.batch % every === 0) this.options.write(`${this.describe(u, t)}\n`);
  }

  /** Prints a line of its own (an epoch summary, a warning) without garbling the progress line. */
  message(text: string): void {
    this.endLine();
    this.options.write(`${text}\n`);
  }

  /** Ends the progress line, if one is open. */
  finish(): void {
    this.endLine();
  }

  private endLine(): void {
    if (!this.lineOpen) return;
    this.options.write('\n');
    this.lineOpen = false;
  }
}
