/**
 * Learning rate per epoch, from the spec's schedule and optional warm-up.
 * Pure: the rate depends only on the epoch index, so a resumed run needs no
 * schedule state beyond the epoch it resumes at.
 */
import type { ScheduleSpec } from '../../compiler/spec/resolved-spec.js';

export interface LearningRatePlan {
  readonly baseLr: number;
  readonly schedule: ScheduleSpec;
  /** Explicit rates for the first len(lrs) epochs (ResolvedSpec.train.warmup). */
  readonly warmup?: readonly number[];
  /** Total epochs; cosine anneals over them. */
  readonly epochs: number;
}

/**
 * The rate for 0-based epoch `epoch`. Warm-up epochs use their listed rates; the
 * schedule sees the real epoch index afterwards, so "0.1 * 0.5^floor(e/25) after a
 * one-epoch warm-up at 0.01" is step{every 25, gamma 0.5} with warmup [0.01].
 */
export function learningRate(plan: LearningRatePlan, epoch: number): number {
  const warm = plan.warmup ?? [];
  if (epoch < warm.length) return warm[epoch]!;
  const base = plan.baseLr;
  const s = plan.schedule;
  switch (s.kind) {
    case 'constant':
      return base;
    case 'multistep': {
      // PyTorch MultiStepLR: the rate drops once for every milestone reached.
      const passed = s.milestones.filter((m) => epoch >= m).length;
      return base * Math.pow(s.gamma, passed);
    }
    case 'step':
      return base * Math.pow(s.gamma, Math.floor(epoch / s.every));
    case 'exponential':
      return base * Math.pow(s.gamma, Math.floor(epoch / s.every));
    case 'cosine': {
      const total = Math.max(1, plan.epochs);
      const t = Math.min(epoch, total) / total;
      return s.minLr + (base - s.minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
  }
}

/**
 * The first of the `done` epochs whose rate differs between a plan over `before` epochs and
 * the same plan over `after` (a cosine schedule spreads over the total), or undefined when
 * they agree: a run trained for `before` epochs can then be trained on to `after` and equal
 * an uninterrupted `after`-epoch run.
 */
export function firstRateChange(plan: LearningRatePlan, before: number, after: number, done: number): { epoch: number; was: number; now: number } | undefined {
  for (let epoch = 0; epoch < done; epoch++) {
    const was = learningRate({ ...plan, epochs: before }, epoch);
    const now = learningRate({ ...plan, epochs: after }, epoch);
    if (was !== now) return { epoch, was, now };
  }
  return undefined;
}
