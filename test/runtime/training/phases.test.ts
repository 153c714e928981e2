/**
 * Where a training job's wall time goes (summary.json `phases`, `ibc train --profile`): the
 * PhaseClock's arithmetic, and which parts of the training loop it is asked to time. The loop
 * is driven by a fake engine and the clock records the phases it times, so nothing here
 * depends on how long anything took.
 */
import { describe, expect, it } from 'vitest';
import type { EngineState, EvaluationResult, PredictBatch, StepBatch, StepResult, TrainingEngine } from '../../../src/runtime/engine/training-engine.js';
import type { ModelIR } from '../../../src/compiler/ir/ir.js';
import { loadDataset } from '../../../src/runtime/data/index.js';
import { train } from '../../../src/runtime/training/loop.js';
import { PhaseClock } from '../../../src/runtime/training/phases.js';
import { tinyModel, tinySpec } from '../../fixtures/tiny-spec.js';

/** A PhaseClock that also records each phase it was asked to time or add to, in order. */
class RecordingClock extends PhaseClock {
  readonly calls: string[] = [];
  override add(phase: string, seconds: number): void {
    this.calls.push(phase);
    super.add(phase, seconds);
  }
}

/** An engine that computes nothing: loss 1, logits for class 0, every result due at once. */
class NullEngine implements TrainingEngine {
  readonly name = 'tfjs' as const;
  readonly profiledSteps = 1;
  private pending: StepResult[] = [];
  constructor(readonly ir: ModelIR) {}
  step(batch: StepBatch): void {
    const logits = new Float32Array(batch.count * this.ir.classes);
    this.pending.push({ loss: { total: 1, terms: { crossEntropy: 1, kl: 0, vq: 0, commit: 0 } }, logits });
  }
  drain(): Promise<readonly StepResult[]> {
    const out = this.pending;
    this.pending = [];
    return Promise.resolve(out);
  }
  predict(batch: PredictBatch): Promise<Float32Array> {
    return Promise.resolve(new Float32Array(batch.count * this.ir.classes));
  }
  async evaluate(batch: StepBatch): Promise<EvaluationResult> {
    return { logits: await this.predict(batch), loss: { total: 1, terms: { crossEntropy: 1, kl: 0, vq: 0, commit: 0 } } };
  }
  withAveragedWeights<T>(use: () => Promise<T>): Promise<T> {
    return use();
  }
  weights(): Promise<Map<string, Float32Array>> {
    return Promise.resolve(new Map([['w', Float32Array.of(0)]]));
  }
  averagedWeights(): Promise<Map<string, Float32Array> | undefined> {
    return Promise.resolve(undefined);
  }
  async state(): Promise<EngineState> {
    return { weights: await this.weights(), optimizer: { kind: 'sgd', step: 0, buffers: {} } };
  }
  restore(): void {}
  profile(): Promise<never[]> {
    return Promise.resolve([]);
  }
  dispose(): void {}
}

describe('PhaseClock', () => {
  it('sums each phase, keeps the order phases first ran in, and rounds to milliseconds', async () => {
    const clock = new PhaseClock();
    clock.add('data', 0.25);
    clock.add('training', 1.0004);
    clock.add('data', 0.5);
    expect(clock.time('steps', () => 7)).toBe(7);
    expect(await clock.timeAsync('evaluation', () => Promise.resolve('done'))).toBe('done');
    const record = clock.record();
    expect(Object.keys(record)).toEqual(['data', 'training', 'steps', 'evaluation']);
    expect(record['data']).toBe(0.75);
    expect(record['training']).toBe(1);
    expect(record['steps']).toBeGreaterThanOrEqual(0);
  });

  it('times a phase that throws, and lets the error through', () => {
    const clock = new PhaseClock();
    expect(() => clock.time('checkpoints', () => { throw new Error('disk full'); })).toThrow('disk full');
    expect(Object.keys(clock.record())).toEqual(['checkpoints']);
  });
});

describe('the training loop times its phases', () => {
  it('each batch made, each step, each epoch, each evaluation and each checkpoint, into the clock it is given', async () => {
    const spec = tinySpec({ trainCount: 48, train: { epochs: 2, batchSize: 16 } });
    const ir = tinyModel(spec);
    const data = await loadDataset(spec.data, { seed: 1, input: spec.model.input, classes: spec.model.classes });
    const phases = new RecordingClock();
    let checkpoints = 0;
    await train({
      spec, engine: new NullEngine(ir), specHash: 'h', settings: { seed: 1, epochs: 2 }, data, backend: 'fake', phases,
      sink: { appendMetrics: () => undefined, writeCheckpoint: () => void checkpoints++, checkpointPath: (which) => `/runs/x/${which}.ibck` },
    });
    const count = (phase: string): number => phases.calls.filter((p) => p === phase).length;
    const perEpoch = Math.ceil(data.train.count / 16);
    // One 'batches' per batch made plus the one that finds the epoch's batches exhausted.
    expect(count('batches')).toBe(2 * (perEpoch + 1));
    // One 'steps' per step plus the epoch's final drain.
    expect(count('steps')).toBe(2 * (perEpoch + 1));
    expect(count('training')).toBe(2);
    expect(count('evaluation')).toBe(2);
    // A checkpoint after each epoch (checkpoint every 1), timed once per epoch however many files it writes.
    expect(count('checkpoints')).toBe(2);
    expect(checkpoints).toBeGreaterThanOrEqual(2);
    expect(Object.keys(phases.record())).toEqual(['batches', 'steps', 'training', 'evaluation', 'checkpoints']);
  });
});
