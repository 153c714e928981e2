/**
 * A line of the step log (metrics-steps.jsonl; runs/step-log.ts writes it), one
 * every train.log_every optimizer steps and at each epoch's last step. A line
 * holds the means over the steps since the previous line (so no step goes
 * unaccounted, as Lightning's on_epoch means do), the rate and gradient norm of
 * the step it ends at, and the images per second over those steps. Loss terms
 * are in bits as in metrics.jsonl (VQ and commitment in map units); a term the
 * model lacks is absent, never 0.
 */
import type { LossTermKind } from '../../compiler/ir/ir.js';
import type { StepResult } from '../engine/training-engine.js';

export interface StepLogLine {
  /** Optimizer steps completed. */
  readonly step: number;
  /** The 1-based epoch the step belongs to, and the epochs completed (fractional: the x of the curves). */
  readonly epoch: number;
  readonly epochs: number;
  /** Steps this line averages over. */
  readonly steps: number;
  readonly lr: number;
  readonly train_loss_bits: number;
  readonly ce_bits?: number;
  readonly kl_bits?: number;
  readonly vq?: number;
  readonly commit?: number;
  readonly train_top1: number;
  /** The global L2 gradient norm of the line's last step, before clipping. */
  readonly grad_norm?: number;
  readonly images_per_second: number;
}

/** The steps since the last line. */
export class StepWindow {
  private total = 0;
  private ce = 0;
  private kl = 0;
  private vq = 0;
  private commit = 0;
  private correct = 0;
  private seen = 0;
  private steps = 0;
  private startedAt: number | undefined;

  constructor(
    private readonly terms: ReadonlySet<LossTermKind>,
    /** The objective's unit to bits (1 for bits, 1 / ln 2 for nats). */
    private readonly totalToBits: number,
  ) {}

  /** One step's result: `n` images, `correct` of them right, taken at `takenAt` (performance.now()). */
  add(result: StepResult, n: number, correct: number, takenAt: number): void {
    const { total, terms } = result.loss;
    this.startedAt ??= takenAt;
    this.total += total * n;
    this.ce += terms.crossEntropy * n;
    this.kl += terms.kl * n;
    this.vq += terms.vq * n;
    this.commit += terms.commit * n;
    this.correct += correct;
    this.seen += n;
    this.steps += 1;
  }

  /** The line for the steps added since the last one, which it starts afresh; `now` is when the last step's result was read. */
  line(at: { readonly step: number; readonly epoch: number; readonly epochs: number; readonly lr: number }, now: number, gradientNorm: number | undefined): StepLogLine {
    const seen = Math.max(1, this.seen);
    const seconds = (now - (this.startedAt ?? now)) / 1000;
    const line: StepLogLine = {
      ...at,
      steps: this.steps,
      train_loss_bits: (this.total / seen) * this.totalToBits,
      ...(this.terms.has('crossEntropy') ? { ce_bits: this.ce / seen / Math.LN2 } : {}),
      ...(this.terms.has('kl') ? { kl_bits: this.kl / seen / Math.LN2 } : {}),
      ...(this.terms.has('vq') ? { vq: this.vq / seen } : {}),
      ...(this.terms.has('commit') ? { commit: this.commit / seen } : {}),
      train_top1: this.correct / seen,
      ...(gradientNorm !== undefined ? { grad_norm: gradientNorm } : {}),
      images_per_second: seconds > 0 ? this.seen / seconds : 0,
    };
    this.total = this.ce = this.kl = this.vq = this.commit = this.correct = this.seen = this.steps = 0;
    this.startedAt = undefined;
    return line;
  }
}
