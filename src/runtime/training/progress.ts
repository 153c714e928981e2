/**
 * A progress reporter for training. It writes through a function it is given
 * (the CLI passes stderr's write), so it never touches the terminal itself.
 *
 * On a TTY: one line rewritten in place (carriage return + clear-to-end), at
 * most every `minIntervalMs`, fitted to the terminal's width (read at every
 * draw, so a resize takes effect at the next one; `redraw()` redraws at once):
 * a bar, epoch, step/total, loss, accuracy, images/s and the ETA of the whole
 * run. After an epoch's training steps the same line shows the evaluation
 * (validation, then test, batch by batch); it is finished with a newline when
 * the epoch's summary is printed. Not on a TTY (CI logs, files): a plain line
 * every `every` steps, at the end of each epoch's training and of each
 * evaluated split, with no control characters.
 *
 * The ETA counts what is left of training and of evaluation: seconds per
 * training step and per evaluation batch are measured separately (until an
 * evaluation has been timed, an evaluation batch is assumed to cost a step).
 */

import { formatBytes, type DataProgress } from '../data/index.js';

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
  /** Evaluation batches after each epoch's training (validation and test together); 0 when unknown. */
  readonly evalBatches?: number;
}

/** One evaluation batch done. */
export interface EvaluationUpdate {
  readonly epoch: number;
  readonly epochs: number;
  readonly split: 'validation' | 'test';
  /** 1-based batch within the split, and the split's batch count. */
  readonly batch: number;
  readonly batches: number;
  /** Evaluation batches left in this epoch after this one (both splits). */
  readonly left: number;
}

export interface ProgressOptions {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  /** Non-TTY: print every this many steps (default 100), and always at an epoch's last step. */
  readonly every?: number;
  /** TTY: terminal width, or a function read at every draw (default 80); the line is fitted to it. */
  readonly columns?: number | (() => number);
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

/** A part of the line; parts with a higher `drop` go first when the line does not fit. */
interface Part {
  readonly text: string;
  readonly drop: number;
}

/**
 * The line for `columns`, never wider than columns - 1 (so the terminal never
 * wraps it): the bar and every part when they fit; else the least important
 * parts (`drop` 3 and up: loss, accuracy, speed) go first, then the bar, then
 * the rest. The bar keeps one width, so redraws do not jitter.
 */
export function fitLine(parts: readonly Part[], fraction: number, columns: number): string {
  const room = Math.max(10, columns - 1);
  let kept = [...parts];
  const text = (): string => kept.map((p) => p.text).join('  ');
  const dropWorst = (): void => {
    const worst = kept.reduce((a, b) => (b.drop > a.drop ? b : a));
    kept = kept.filter((p) => p !== worst);
  };
  const barRoom = BAR_WIDTH + 3; // "[" + bar + "] "
  while (barRoom + text().length > room && kept.some((p) => p.drop >= 3)) dropWorst();
  if (barRoom + text().length <= room) {
    const filled = Math.max(0, Math.min(BAR_WIDTH, Math.round(BAR_WIDTH * fraction)));
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${text()}`;
  }
  while (text().length > room && kept.length > 1) dropWorst();
  return text().slice(0, room);
}

export class ProgressReporter {
  private readonly options: ProgressOptions;
  private readonly now: () => number;
  /** Training: time and steps since the first step seen (the first one is the start mark). */
  private stepMark: number | undefined;
  private stepsTimed = 0;
  private stepSeconds = 0;
  /** Evaluation: the time of the last evaluation event, for the seconds per evaluation batch. */
  private evalMark: number | undefined;
  private evalBatchesTimed = 0;
  private evalSeconds = 0;
  private lastDraw = -Infinity;
  private lineOpen = false;
  private lastUpdate: ProgressUpdate | undefined;
  /** What is on the open line (redrawn as is after a resize), and what it is about (an epoch, a data phase). */
  private shown: { parts: readonly Part[]; fraction: number; group: string } | undefined;
  /** Non-TTY data lines: when the last one was printed. */
  private lastDataLine = -Infinity;

  constructor(options: ProgressOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  private columns(): number {
    const c = this.options.columns;
    const value = typeof c === 'function' ? c() : c;
    return value !== undefined && value > 0 ? value : 80;
  }

  private secondsPerStep(): number {
    return this.stepsTimed > 0 ? this.stepSeconds / this.stepsTimed : NaN;
  }

  private secondsPerEvalBatch(): number {
    return this.evalBatchesTimed > 0 ? this.evalSeconds / this.evalBatchesTimed : this.secondsPerStep();
  }

  /** Seconds left: training steps and evaluation batches of this and later epochs. */
  private eta(stepsLeft: number, evalLeft: number): number {
    return stepsLeft * this.secondsPerStep() + evalLeft * this.secondsPerEvalBatch();
  }

  private trainingParts(u: ProgressUpdate): Part[] {
    const width = String(u.batches).length;
    const evalPerEpoch = u.evalBatches ?? 0;
    const stepsLeft = u.batches - u.batch + (u.epochs - u.epoch) * u.batches;
    const evalLeft = evalPerEpoch * (u.epochs - u.epoch + 1);
    return [
      { text: `epoch ${u.epoch}/${u.epochs}`, drop: 0 },
      { text: `step ${String(u.batch).padStart(width)}/${u.batches}`, drop: 1 },
      { text: `loss ${formatNumber(u.loss, 4)} bits`, drop: 3 },
      { text: `acc ${formatNumber(100 * u.accuracy, 1)}%`, drop: 4 },
      { text: `${formatNumber(u.imagesPerSecond, u.imagesPerSecond < 10 ? 2 : 0)} img/s`, drop: 5 },
      { text: `ETA ${formatDuration(this.eta(stepsLeft, evalLeft))}`, drop: 2 },
    ];
  }

  private evaluationParts(u: EvaluationUpdate, perEpochTrain: number, perEpochEval: number): Part[] {
    const width = String(u.batches).length;
    const later = u.epochs - u.epoch;
    return [
      { text: `epoch ${u.epoch}/${u.epochs}`, drop: 0 },
      { text: `${u.split} ${String(u.batch).padStart(width)}/${u.batches}`, drop: 1 },
      { text: `ETA ${formatDuration(this.eta(later * perEpochTrain, u.left + later * perEpochEval))}`, drop: 2 },
    ];
  }

  /** The text of one training progress line, unfitted (no control characters). */
  describe(u: ProgressUpdate): string {
    return this.trainingParts(u).map((p) => p.text).join('  ');
  }

  update(u: ProgressUpdate): void {
    const t = this.now();
    if (this.stepMark !== undefined && u.batch > 1) {
      this.stepSeconds += (t - this.stepMark) / 1000;
      this.stepsTimed++;
    }
    this.stepMark = t;
    this.evalMark = t; // evaluation starts right after the epoch's last step
    this.lastUpdate = u;
    const last = u.batch >= u.batches;
    if (this.options.isTTY) {
      if (!last && t - this.lastDraw < (this.options.minIntervalMs ?? 100)) return;
      this.draw(this.trainingParts(u), u.batch / u.batches, `epoch ${u.epoch}`, t);
      return;
    }
    const every = Math.max(1, this.options.every ?? 100);
    if (last || u.batch % every === 0) this.options.write(`${this.describe(u)}\n`);
  }

  /** One evaluation batch done (after an epoch's training steps). */
  evaluation(u: EvaluationUpdate): void {
    const t = this.now();
    if (this.evalMark !== undefined) {
      this.evalSeconds += (t - this.evalMark) / 1000;
      this.evalBatchesTimed++;
    }
    this.evalMark = t;
    const train = this.lastUpdate;
    const perEpochTrain = train?.batches ?? 0;
    const perEpochEval = train?.evalBatches ?? 0;
    const parts = this.evaluationParts(u, perEpochTrain, perEpochEval);
    const last = u.batch >= u.batches;
    if (this.options.isTTY) {
      if (!last && t - this.lastDraw < (this.options.minIntervalMs ?? 100)) return;
      this.draw(parts, u.batch / u.batches, `epoch ${u.epoch}`, t);
      return;
    }
    if (last) this.options.write(`${parts.map((p) => p.text).join('  ')}\n`);
  }

  /**
   * Decoding or reading a folder data set: what, how far, how fast and the ETA
   * of this phase. Not on a TTY: a line at the start, about every 10 seconds,
   * and at the end.
   */
  data(p: DataProgress): void {
    const t = this.now();
    const rate = p.seconds > 0 ? p.done / p.seconds : NaN;
    const count = (x: number): string => (p.unit === 'bytes' ? formatBytes(x) : String(x));
    const parts: Part[] = [
      { text: p.what, drop: 0 },
      { text: `${count(p.done)}/${count(p.total)}`, drop: 1 },
      { text: !Number.isFinite(rate) ? `? ${p.unit === 'bytes' ? 'B' : 'img'}/s` : p.unit === 'bytes' ? `${formatBytes(rate)}/s` : `${formatNumber(rate, rate < 10 ? 1 : 0)} img/s`, drop: 3 },
      { text: `ETA ${p.done >= p.total ? '0s' : formatDuration((p.total - p.done) / rate)}`, drop: 2 },
    ];
    const last = p.done >= p.total;
    if (this.options.isTTY) {
      if (!last && p.done > 0 && t - this.lastDraw < (this.options.minIntervalMs ?? 100)) return;
      this.draw(parts, p.total > 0 ? p.done / p.total : 1, `data ${p.what}`, t);
      if (last) this.endLine();
      return;
    }
    if (p.done === 0 || last || t - this.lastDataLine >= 10_000) {
      this.lastDataLine = t;
      this.options.write(`${parts.map((x) => x.text).join('  ')}\n`);
    }
  }

  /** Draws the open line again at the terminal's current width (after a resize). */
  redraw(): void {
    if (!this.options.isTTY || !this.lineOpen || !this.shown) return;
    this.draw(this.shown.parts, this.shown.fraction, this.shown.group, this.now());
  }

  private draw(parts: readonly Part[], fraction: number, group: string, at: number): void {
    // A new epoch (or data phase) starts a new line, even when no summary line ended the last one.
    if (this.shown && this.shown.group !== group) this.endLine();
    this.lastDraw = at;
    this.shown = { parts, fraction, group };
    this.options.write(`\r${fitLine(parts, fraction, this.columns())}\x1b[K`);
    this.lineOpen = true;
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
    this.shown = undefined;
  }
}
