/**
 * The training loop driven by a fake TrainingEngine that computes nothing: it
 * hands back scripted loss terms and logits, in groups and late (as an engine
 * on a GPU does), and records what the loop asks of it. The loop must turn
 * exactly those numbers into metrics, progress and checkpoints, evaluate
 * inside the engine's averaged weights, restore a resumed state, and stop on a
 * non-finite loss or non-finite weights: it works with any engine, because it knows none (and its
 * source imports nothing of engine/ but the interface).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import type { ModelIR } from '../../../src/compiler/ir/ir.js';
import type { EngineState, EvaluationResult, PredictBatch, PredictOptions, StepBatch, StepOptions, StepResult, TrainingEngine } from '../../../src/runtime/engine/training-engine.js';
import { loadDataset, type Dataset } from '../../../src/runtime/data/index.js';
import { train, type MetricsRow } from '../../../src/runtime/training/loop.js';
import type { ProgressUpdate } from '../../../src/runtime/training/progress.js';
import type { TrainingState } from '../../../src/runtime/training/state.js';
import { isRunError } from '../../../src/support/errors.js';
import { tinyModel, tinySpec } from '../../fixtures/tiny-spec.js';

/** What the fake was asked. */
interface Calls {
  readonly steps: { lr: number; count: number; noiseDraw: number }[];
  /** Whether each predict call ran inside withAveragedWeights. */
  readonly predictsAveraged: boolean[];
  readonly restored: EngineState[];
  drains: number;
}

/**
 * Step k (0-based, over the engine's life) has total k + 1, ce 2k, kl 3k, vq k / 10,
 * commit k / 20; its logits say class 0 for every image. Results come back three at a
 * time on 'due', all on 'all'. Predictions say class 1.
 */
class FakeEngine implements TrainingEngine {
  readonly name = 'tfjs' as const;
  readonly profiledSteps = 1;
  readonly calls: Calls = { steps: [], predictsAveraged: [], restored: [], drains: 0 };
  private taken = 0;
  private averaged = false;
  private pending: StepResult[] = [];

  constructor(
    readonly ir: ModelIR,
    private readonly nonFiniteAt?: number,
  ) {}

  step(batch: StepBatch, options: StepOptions): void {
    const k = this.taken++;
    this.calls.steps.push({ lr: options.lr, count: batch.count, noiseDraw: options.noise.next() });
    const logits = new Float32Array(batch.count * this.ir.classes);
    for (let r = 0; r < batch.count; r++) logits[r * this.ir.classes] = 1;
    const total = k === this.nonFiniteAt ? NaN : k + 1;
    this.pending.push({ loss: { total, terms: { crossEntropy: 2 * k, kl: 3 * k, vq: k / 10, commit: k / 20 } }, logits });
  }

  drain(which: 'due' | 'all'): Promise<readonly StepResult[]> {
    this.calls.drains++;
    if (which === 'due' && this.pending.length < 3) return Promise.resolve([]);
    const out = this.pending;
    this.pending = [];
    return Promise.resolve(out);
  }

  predict(batch: PredictBatch, _options: PredictOptions): Promise<Float32Array> {
    this.calls.predictsAveraged.push(this.averaged);
    const logits = new Float32Array(batch.count * this.ir.classes);
    for (let r = 0; r < batch.count; r++) logits[r * this.ir.classes + 1] = 1;
    return Promise.resolve(logits);
  }

  async evaluate(batch: StepBatch, options: PredictOptions): Promise<EvaluationResult> {
    return { logits: await this.predict(batch, options), loss: { total: 1, terms: { crossEntropy: 1, kl: 0, vq: 0, commit: 0 } } };
  }

  async withAveragedWeights<T>(use: () => Promise<T>): Promise<T> {
    this.averaged = true;
    try {
      return await use();
    } finally {
      this.averaged = false;
    }
  }

  weights(): Promise<Map<string, Float32Array>> {
    return Promise.resolve(new Map([['w', Float32Array.of(this.taken)]]));
  }

  averagedWeights(): Promise<Map<string, Float32Array> | undefined> {
    return Promise.resolve(undefined);
  }

  async state(): Promise<EngineState> {
    return { weights: await this.weights(), optimizer: { kind: 'sgd', step: this.taken, buffers: {} } };
  }

  restore(state: EngineState): void {
    this.calls.restored.push(state);
    this.taken = state.optimizer.step;
  }

  profile(): Promise<never[]> {
    return Promise.resolve([]);
  }

  dispose(): void {}
}

const spec = tinySpec({
  trainCount: 80,
  train: { epochs: 2, batchSize: 16, schedule: { kind: 'step', every: 1, gamma: 0.5 }, optimizer: { kind: 'sgd', lr: 0.2, momentum: 0, nesterov: false, weightDecay: 0 } },
});
const ir = tinyModel(spec);

async function tinyData(): Promise<Dataset> {
  return loadDataset(spec.data, { seed: 1, input: spec.model.input, classes: spec.model.classes });
}

interface RunExtras {
  readonly spec?: typeof spec;
  readonly stopRequested?: () => boolean;
  readonly clock?: () => number;
}

async function run(engine: FakeEngine, data: Dataset, epochs: number, resume?: TrainingState, extras: RunExtras = {}) {
  const rows: MetricsRow[] = [];
  const progress: ProgressUpdate[] = [];
  const checkpoints: { which: 'last' | 'best'; state: TrainingState }[] = [];
  const settings = resume ? { ...resume.settings, epochs } : { seed: 1, epochs };
  const outcome = await train({
    spec: extras.spec ?? spec, engine, specHash: 'h', settings, data, backend: 'fake', ...(resume ? { resume } : {}),
    ...(extras.stopRequested ? { stopRequested: extras.stopRequested } : {}),
    ...(extras.clock ? { clock: extras.clock } : {}),
    sink: {
      appendMetrics: (row) => rows.push(row),
      writeCheckpoint: (which, state) => checkpoints.push({ which, state }),
      checkpointPath: (which) => `/runs/x/${which}.ibck`,
      onBatch: (p) => progress.push(p),
    },
  });
  return { rows, progress, checkpoints, outcome };
}

const share = (labels: Int32Array, cls: number): number => labels.filter((l) => l === cls).length / labels.length;

describe('the training loop on a fake engine', () => {
  it("reports the engine's numbers: loss terms, rates, accuracies, progress per step, checkpoints of its state", async () => {
    const data = await tinyData();
    const engine = new FakeEngine(ir);
    const { rows, progress, checkpoints, outcome } = await run(engine, data, 2);
    const perEpoch = Math.ceil(data.train.count / 16);
    expect(engine.calls.steps).toHaveLength(2 * perEpoch);
    expect(engine.calls.steps.map((s) => s.lr)).toEqual([...Array<number>(perEpoch).fill(0.2), ...Array<number>(perEpoch).fill(0.1)]);
    // The loop's own noise stream goes to the engine, one stream for the whole run.
    expect(new Set(engine.calls.steps.map((s) => s.noiseDraw)).size).toBe(2 * perEpoch);

    // Epoch 1: steps 0..perEpoch-1, each result weighted by its batch's size.
    const counts = engine.calls.steps.slice(0, perEpoch).map((s) => s.count);
    const seen = counts.reduce((a, b) => a + b, 0);
    const mean = (f: (k: number) => number): number => counts.reduce((sum, n, k) => sum + f(k) * n, 0) / seen;
    const first = rows[0]!;
    expect(first.train_loss_bits).toBeCloseTo(mean((k) => k + 1), 12);
    expect(first.ce_bits).toBeCloseTo(mean((k) => 2 * k) / Math.LN2, 12);
    expect(first.kl_bits).toBeCloseTo(mean((k) => 3 * k) / Math.LN2, 12);
    expect(first.vq).toBeCloseTo(mean((k) => k / 10), 12);
    expect(first.commit).toBeCloseTo(mean((k) => k / 20), 12);
    expect(first.train_top1).toBeCloseTo(share(data.train.labels, 0), 12);
    expect(first.test_top1).toBeCloseTo(share(data.test.labels, 1), 12);
    expect(first.val_top1).toBeCloseTo(share(data.validation!.labels, 1), 12);
    expect(rows.map((r) => r.lr)).toEqual([0.2, 0.1]);

    // Progress once per step, in order, although the results came back three at a time.
    expect(progress.map((p) => `${p.epoch}:${p.batch}`)).toEqual([1, 2].flatMap((e) => Array.from({ length: perEpoch }, (_, b) => `${e}:${b + 1}`)));
    // Every evaluation ran on the averaged weights.
    expect(engine.calls.predictsAveraged.length).toBeGreaterThan(0);
    expect(engine.calls.predictsAveraged.every((inside) => inside)).toBe(true);

    const last = checkpoints.filter((c) => c.which === 'last').map((c) => c.state);
    expect(last.map((s) => [s.epoch, s.step, s.optimizer.step, s.weights.get('w')![0]])).toEqual([
      [1, perEpoch, perEpoch, perEpoch],
      [2, 2 * perEpoch, 2 * perEpoch, 2 * perEpoch],
    ]);
    expect(outcome.epochsDone).toBe(2);
    expect(outcome.trainImages).toBe(2 * data.train.count);
  });

  it('a resume restores the checkpoint into the engine and continues its epoch, step and streams', async () => {
    const data = await tinyData();
    const whole = new FakeEngine(ir);
    const all = await run(whole, data, 2);
    const saved = all.checkpoints.find((c) => c.which === 'last' && c.state.epoch === 1)!.state;
    const resumed = new FakeEngine(ir);
    const rest = await run(resumed, data, 2, saved);
    expect(resumed.calls.restored).toHaveLength(1);
    expect(resumed.calls.restored[0]!.weights).toBe(saved.weights);
    expect(resumed.calls.restored[0]!.optimizer).toBe(saved.optimizer);
    expect(rest.rows).toHaveLength(1);
    const timeless = (r: MetricsRow) => ({ ...r, seconds: 0, images_per_second: 0 });
    expect(timeless(rest.rows[0]!)).toEqual(timeless(all.rows[1]!));
    expect(resumed.calls.steps).toEqual(whole.calls.steps.slice(resumed.calls.steps.length));
  });

  it('a stop request ends the run after the step in progress, with a checkpoint inside the epoch that resumes to the uninterrupted run', async () => {
    const data = await tinyData();
    const whole = new FakeEngine(ir);
    const all = await run(whole, data, 2);
    const perEpoch = Math.ceil(data.train.count / 16);
    const stopAfter = perEpoch + 2;
    const stopped = new FakeEngine(ir);
    const first = await run(stopped, data, 2, undefined, { stopRequested: () => stopped.calls.steps.length >= stopAfter });
    expect(first.outcome.stopped).toEqual({ epoch: 2, batch: 2, batches: perEpoch, step: stopAfter });
    expect(stopped.calls.steps).toHaveLength(stopAfter);
    expect(first.rows).toHaveLength(1);
    const saved = first.checkpoints.filter((c) => c.which === 'last').at(-1)!.state;
    expect([saved.epoch, saved.step, saved.inEpoch?.batches]).toEqual([1, stopAfter, 2]);
    // The shuffle stream as epoch 2 began: the one the epoch-1 checkpoint carries.
    expect(saved.random.shuffle).toEqual(all.checkpoints.find((c) => c.which === 'last' && c.state.epoch === 1)!.state.random.shuffle);

    const resumed = new FakeEngine(ir);
    const labels: number[][] = [];
    const wholeLabels: number[][] = [];
    const record = (engine: FakeEngine, into: number[][]) => {
      const step = engine.step.bind(engine);
      engine.step = (batch, options) => {
        into.push(Array.from(batch.labels));
        step(batch, options);
      };
    };
    record(resumed, labels);
    const again = new FakeEngine(ir);
    record(again, wholeLabels);
    await run(again, data, 2);
    const rest = await run(resumed, data, 2, saved);
    expect(rest.outcome.stopped).toBeUndefined();
    // The batches, rates and noise draws the uninterrupted run took after the stop, and its epoch-2 row.
    expect(labels).toEqual(wholeLabels.slice(stopAfter));
    expect(resumed.calls.steps).toEqual(whole.calls.steps.slice(stopAfter));
    const timeless = (r: MetricsRow) => ({ ...r, seconds: 0, images_per_second: 0 });
    expect(rest.rows.map(timeless)).toEqual([timeless(all.rows[1]!)]);
    const end = (c: { state: TrainingState }[]) => ({ ...c.at(-1)!.state, weights: [...c.at(-1)!.state.weights] });
    expect(end(rest.checkpoints.filter((c) => c.which === 'last'))).toEqual(end(all.checkpoints.filter((c) => c.which === 'last')));
  });

  it('checkpoint every_steps and every_minutes save the last checkpoint inside epochs', async () => {
    const data = await tinyData();
    const perEpoch = Math.ceil(data.train.count / 16);
    const everySteps = { ...spec, train: { ...spec.train, checkpoint: { ...spec.train.checkpoint, everySteps: 2 } } };
    const bySteps = await run(new FakeEngine(ir), data, 2, undefined, { spec: everySteps });
    const saves = bySteps.checkpoints.filter((c) => c.which === 'last').map((c) => [c.state.step, c.state.inEpoch?.batches ?? 'end']);
    const expected: (number | string)[][] = [];
    for (let step = 1; step <= 2 * perEpoch; step++) {
      const batch = ((step - 1) % perEpoch) + 1;
      if (batch === perEpoch) expected.push([step, 'end']);
      else if (step % 2 === 0) expected.push([step, batch]);
    }
    expect(saves).toEqual(expected);

    // A clock that advances 40 s per step: every_minutes=1.5 saves every third step (and at epoch ends).
    const everyMinutes = { ...spec, train: { ...spec.train, checkpoint: { ...spec.train.checkpoint, everyMinutes: 1.5 } } };
    const engine = new FakeEngine(ir);
    const byTime = await run(engine, data, 1, undefined, { spec: everyMinutes, clock: () => engine.calls.steps.length * 40_000 });
    expect(byTime.checkpoints.filter((c) => c.which === 'last').map((c) => c.state.step)).toEqual(perEpoch > 3 ? [3, perEpoch] : [perEpoch]);
  });

  it('a non-finite loss stops the run naming the step it happened at, however late its result came back', async () => {
    const data = await tinyData();
    const engine = new FakeEngine(ir, 4);
    let caught: unknown;
    try {
      await run(engine, data, 2);
    } catch (error) {
      caught = error;
    }
    expect(isRunError(caught)).toBe(true);
    const d = (caught as { diagnostic: { code: string; message: string } }).diagnostic;
    expect(d.code).toBe('IB6300');
    expect(d.message).toMatch(/at epoch 1, step 5\b/);
  });

  it('weights that turn NaN while every loss stays finite stop the run before that epoch is evaluated or saved (IB6804, any engine)', async () => {
    const data = await tinyData();
    const perEpoch = Math.ceil(data.train.count / 16);
    // A NaN a ReLU or a max pool hid from the loss: the weights break during epoch 2.
    class BreakingEngine extends FakeEngine {
      private count = 0;
      override step(batch: StepBatch, options: StepOptions): void {
        this.count++;
        super.step(batch, options);
      }
      override weights(): Promise<Map<string, Float32Array>> {
        return Promise.resolve(new Map([['w', Float32Array.of(this.count > perEpoch ? NaN : this.count)]]));
      }
    }
    const engine = new BreakingEngine(ir);
    const rows: MetricsRow[] = [];
    const saved: number[] = [];
    let caught: unknown;
    try {
      await train({
        spec, engine, specHash: 'h', settings: { seed: 1, epochs: 2 }, data, backend: 'fake',
        sink: { appendMetrics: (row) => rows.push(row), writeCheckpoint: (_which, state) => saved.push(state.epoch), checkpointPath: (which) => `/runs/x/${which}.ibck` },
      });
    } catch (error) {
      caught = error;
    }
    expect(isRunError(caught)).toBe(true);
    const d = (caught as { diagnostic: { code: string; message: string } }).diagnostic;
    expect(d.code).toBe('IB6804');
    expect(d.message).toContain("the weights became NaN in 'w' at epoch 2");
    expect(d.message).toContain('The last good checkpoint is kept at /runs/x/last.ibck');
    expect(rows.map((r) => r.epoch)).toEqual([1]);
    expect(saved.every((epoch) => epoch === 1)).toBe(true);
  });

  it('a checkpoint inside an epoch (every_steps) is never written from weights that turned NaN either (IB6804)', async () => {
    const data = await tinyData();
    const perEpoch = Math.ceil(data.train.count / 16);
    if (perEpoch < 3) throw new Error(`the tiny data set needs at least 3 batches per epoch, has ${perEpoch}`);
    // The weights break after the first step; every_steps=2 would save after the second step, inside the epoch.
    class BreakingEngine extends FakeEngine {
      private count = 0;
      override step(batch: StepBatch, options: StepOptions): void {
        this.count++;
        super.step(batch, options);
      }
      override weights(): Promise<Map<string, Float32Array>> {
        return Promise.resolve(new Map([['w', Float32Array.of(this.count > 1 ? NaN : this.count)]]));
      }
    }
    const everySteps = { ...spec, train: { ...spec.train, checkpoint: { ...spec.train.checkpoint, everySteps: 2 } } };
    const saved: number[] = [];
    let caught: unknown;
    try {
      await train({
        spec: everySteps, engine: new BreakingEngine(ir), specHash: 'h', settings: { seed: 1, epochs: 1 }, data, backend: 'fake',
        sink: { appendMetrics: () => undefined, writeCheckpoint: (_which, state) => saved.push(state.weights.get('w')?.[0] ?? NaN), checkpointPath: (which) => `/runs/x/${which}.ibck` },
      });
    } catch (error) {
      caught = error;
    }
    expect(isRunError(caught)).toBe(true);
    const d = (caught as { diagnostic: { code: string; message: string } }).diagnostic;
    expect(d.code).toBe('IB6804');
    expect(d.message).toContain("the weights became NaN in 'w' at epoch 1");
    // Only checkpoints of finite weights were written, all before the end of the epoch.
    expect(saved.every(Number.isFinite)).toBe(true);
    expect(saved.length).toBeLessThan(perEpoch);
  });

  it('imports nothing of engine/ but the TrainingEngine interface', () => {
    const path = resolve(import.meta.dirname, '../../../src/runtime/training/loop.ts');
    const imports = ts.preProcessFile(readFileSync(path, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
    expect(imports.filter((f) => f.includes('/engine/'))).toEqual(['../engine/training-engine.js']);
  });
});
