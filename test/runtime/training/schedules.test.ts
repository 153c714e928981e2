import { describe, it, expect } from 'vitest';
import { firstRateChange, learningRate, type LearningRatePlan } from '../../../src/runtime/training/schedules.js';

const at = (plan: LearningRatePlan, epochs: number[]): number[] => epochs.map((e) => learningRate(plan, e));

describe('learning-rate schedules', () => {
  it('VGG reference: 0.1 * 0.5^floor(e/25) after a one-epoch warm-up at 0.01', () => {
    const plan: LearningRatePlan = { baseLr: 0.1, schedule: { kind: 'step', every: 25, gamma: 0.5 }, warmup: [0.01], epochs: 200 };
    const got = at(plan, [0, 1, 24, 25, 49, 50, 199]);
    const want = [0.01, 0.1, 0.1, 0.05, 0.05, 0.025, 0.1 * Math.pow(0.5, 7)];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
  });

  it('aib-qt warm-up [0.001, 0.01] then the step schedule', () => {
    const plan: LearningRatePlan = { baseLr: 0.1, schedule: { kind: 'step', every: 25, gamma: 0.5 }, warmup: [0.001, 0.01], epochs: 200 };
    expect(at(plan, [0, 1, 2])).toEqual([0.001, 0.01, 0.1]);
  });

  it('WRN reference: multistep [60, 120, 160], gamma 0.2', () => {
    const plan: LearningRatePlan = { baseLr: 0.1, schedule: { kind: 'multistep', milestones: [60, 120, 160], gamma: 0.2 }, epochs: 200 };
    const got = at(plan, [0, 59, 60, 119, 120, 159, 160, 199]);
    const want = [0.1, 0.1, 0.02, 0.02, 0.004, 0.004, 0.0008, 0.0008];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
  });

  it('CUB reference: x0.97 every 2 epochs', () => {
    const plan: LearningRatePlan = { baseLr: 1e-4, schedule: { kind: 'exponential', gamma: 0.97, every: 2 }, epochs: 200 };
    const got = at(plan, [0, 1, 2, 3, 4]);
    const want = [1e-4, 1e-4, 0.97e-4, 0.97e-4, 0.97 * 0.97e-4];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 15));
  });

  it('constant and cosine', () => {
    expect(at({ baseLr: 0.3, schedule: { kind: 'constant' }, epochs: 5 }, [0, 4])).toEqual([0.3, 0.3]);
    const cos: LearningRatePlan = { baseLr: 1, schedule: { kind: 'cosine', minLr: 0.1 }, epochs: 10 };
    expect(learningRate(cos, 0)).toBeCloseTo(1, 12);
    expect(learningRate(cos, 5)).toBeCloseTo(0.55, 12);
    expect(learningRate(cos, 10)).toBeCloseTo(0.1, 12);
  });
});

describe('extending a run (resume --epochs N)', () => {
  it('keeps epoch-indexed schedules and finds the first epoch a cosine schedule would have trained at another rate', () => {
    const step: LearningRatePlan = { baseLr: 0.1, schedule: { kind: 'step', every: 2, gamma: 0.5 }, warmup: [0.01], epochs: 3 };
    expect(firstRateChange(step, 3, 10, 3)).toBeUndefined();
    const cosine: LearningRatePlan = { baseLr: 1, schedule: { kind: 'cosine', minLr: 0 }, epochs: 4 };
    const change = firstRateChange(cosine, 4, 8, 3);
    expect(change).toEqual({ epoch: 1, was: learningRate({ ...cosine, epochs: 4 }, 1), now: learningRate({ ...cosine, epochs: 8 }, 1) });
    expect(firstRateChange(cosine, 4, 8, 1)).toBeUndefined(); // epoch 0 runs at the base rate for any total
  });
});
