/**
 * The trainer's controls in the loop, on a fake engine that computes nothing
 * (its step k has total k + 1, terms 2k, 3k, k / 10, k / 20 and gradient norm
 * 100 + k; its predictions say class 1): the step log (a line every log_every
 * steps and at each epoch's end, means over its steps, the logged step's rate
 * and gradient norm, a term the model lacks absent), linear warm-up per step,
 * the validation cross-entropy, the validation objective and terms from the
 * engine's evaluation pass, and early stopping (the run records why it
 * stopped, checkpoints the stop, and a resume trains no further; it may watch
 * the validation objective).
 */
import { describe, expect, it } from 'vitest';
import type { ModelIR } from '../../../src/compiler/ir/ir.js';
import type { ResolvedSpec } from '../../../src/compiler/spec/resolved-spec.js';
import type { EngineState, EvaluationResult, PredictBatch, StepBatch, StepOptions, StepResult, TrainingEngine } from '../../../src/runtime/engine/training-engine.js';
import { loadDataset, type Dataset } from '../../../src/runtime/data/index.js';
import { train, type MetricsRow } from '../../../src/runtime/training/loop.js';
import type { StepLogLine } from '../../../src/runtime/training/step-log.js';
import { earlyStopCheck } from '../../../src/runtime/training/early-stop.js';
import type { TrainingState } from '../../../src/runtime/training/state.js';
import { tinyModel, tinySpec, type TinyOptions } from '../../fixtures/tiny-spec.js';

class FakeEngine implements TrainingEngine {
  readonly name = 'tfjs' as const;
  readonly profiledSteps = 1;
  readonly asked: { lr: number; measure: boolean }[] = [];
  /** The size of each batch `evaluate` was given (the validation split's). */
  readonly evaluated: number[] = [];
  private taken = 0;
  private pending: StepResult[] = [];

  /** `fallingLoss`: the validation objective falls by 0.01 per training step taken (it improves every epoch). */
  constructor(readonly ir: ModelIR, private readonly fallingLoss = false) {}

  step(batch: StepBatch, options: StepOptions): void {
    const k = this.taken++;
    this.asked.push({ lr: options.lr, measure: options.measureGradientNorm === true });
    const logits = new Float32Array(batch.count * this.ir.classes);
    for (let r = 0; r < batch.count; r++) logits[r * this.ir.classes] = 1;
    const terms = { crossEntropy: 2 * k, kl: 3 * k, vq: k / 10, commit: k / 20 };
    this.pending.push({ loss: { total: k + 1, terms }, logits, ...(options.measureGradientNorm ? { gradientNorm: 100 + k } : {}) });
  }

  drain(): Promise<readonly StepResult[]> {
    const out = this.pending;
    this.pending = [];
    return Promise.resolve(out);
  }

  predict(batch: PredictBatch): Promise<Float32Array> {
    const logits = new Float32Array(batch.count * this.ir.classes);
    for (let r = 0; r < batch.count; r++) logits[r * this.ir.classes + 1] = 1;
    return Promise.resolve(logits);
  }

  /** predict's logits; loss terms that tell batches apart: total = the batch's size, CE 1, KL 2 nats, vq 0.3, commit 0.4. */
  async evaluate(batch: StepBatch): Promise<EvaluationResult> {
    this.evaluated.push(batch.count);
    return { logits: await this.predict(batch), loss: { total: batch.count - (this.fallingLoss ? 0.01 * this.taken : 0), terms: { crossEntropy: 1, kl: 2, vq: 0.3, commit: 0.4 } } };
  }

  withAveragedWeights<T>(use: () => Promise<T>): Promise<T> {
    return use();
  }

  weights(): Promise<Map<string, Float32Array>> {
    return Promise.resolve(new Map([['w', Float32Array.of(this.taken)]]));
  }

  averagedWeights(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async state(): Promise<EngineState> {
    return { weights: await this.weights(), optimizer: { kind: 'sgd', step: this.taken, buffers: {} } };
  }

  restore(state: EngineState): void {
    this.taken = state.optimizer.step;
  }

  profile(): Promise<never[]> {
    return Promise.resolve([]);
  }

  dispose(): void {}
}

function specWith(train: Partial<ResolvedSpec['train']>, options: TinyOptions = {}): ResolvedSpec {
  const base = tinySpec({ trainCount: 80, ...options });
  return tinySpec({
    trainCount: 80,
    ...options,
    train: { epochs: 2, batchSize: 16, schedule: { kind: 'step', every: 1, gamma: 0.5 }, optimizer: { ...base.train.optimizer, lr: 0.2 }, ...train },
  });
}

async function run(spec: ResolvedSpec, epochs: number, resume?: TrainingState, fallingLoss = false) {
  const data: Dataset = await loadDataset(spec.data, { seed: 1, input: spec.model.input, classes: spec.model.classes });
  const engine = new FakeEngine(tinyModel(spec), fallingLoss);
  const rows: MetricsRow[] = [];
  const lines: StepLogLine[] = [];
  const checkpoints: TrainingState[] = [];
  const settings = resume ? { ...resume.settings, epochs } : { seed: 1, epochs };
  const outcome = await train({
    spec, engine, specHash: 'h', settings, data, backend: 'fake', ...(resume ? { resume } : {}),
    sink: {
      appendMetrics: (row) => rows.push(row),
      appendSteps: (l) => lines.push(...l),
      writeCheckpoint: (which, state) => void (which === 'last' && checkpoints.push(state)),
      checkpointPath: (which) => `/runs/x/${which}.ibck`,
    },
  });
  return { rows, lines, checkpoints, outcome, engine, data, spec };
}

describe('the step log', () => {
  it('a line every log_every steps and at the end of each epoch: means over its steps, the logged step rate and gradient norm', async () => {
    const { lines, engine, data } = await run(specWith({ logEvery: 2 }), 2);
    const perEpoch = Math.ceil(data.train.count / 16);
    expect(perEpoch).toBe(5);
    expect(lines.map((l) => [l.step, l.epoch, l.steps])).toEqual([[2, 1, 2], [4, 1, 2], [5, 1, 1], [6, 2, 1], [8, 2, 2], [10, 2, 2]]);
    // The gradient norm is asked for on the logged steps only (0-based 1, 3, 4, 5, 7, 9), and reported for them.
    expect(engine.asked.map((a, k) => (a.measure ? k : -1)).filter((k) => k >= 0)).toEqual([1, 3, 4, 5, 7, 9]);
    expect(lines.map((l) => l.grad_norm)).toEqual([101, 103, 104, 105, 107, 109]);
    expect(lines.map((l) => l.lr)).toEqual([0.2, 0.2, 0.2, 0.1, 0.1, 0.1]);
    expect(lines.map((l) => l.epochs)).toEqual([0.4, 0.8, 1, 1.2, 1.6, 2]);
    // Line 1 averages steps 0 and 1 (two full batches of 16): totals 1, 2; KL 0, 3 nats.
    const first = lines[0]!;
    expect(first.train_loss_bits).toBeCloseTo(1.5, 12);
    expect(first.kl_bits).toBeCloseTo(1.5 / Math.LN2, 12);
    expect(first.vq).toBeCloseTo(0.05, 12);
    expect(first.train_top1).toBeGreaterThanOrEqual(0);
    expect(first.images_per_second).toBeGreaterThan(0);
  });

  it('a model without quantization has no VQ or commitment, a plain classifier no KL: absent in the step log and in metrics.jsonl, never 0', async () => {
    const unquantized = await run(specWith({ logEvery: 5 }, { quantize: false }), 1);
    for (const record of [...unquantized.lines, ...unquantized.rows]) {
      expect(record).not.toHaveProperty('vq');
      expect(record).not.toHaveProperty('commit');
      expect(record).toHaveProperty('kl_bits');
    }
    const plain = await run(specWith({ logEvery: 5 }, { attention: false }), 1);
    for (const record of [...plain.lines, ...plain.rows]) {
      expect(record).not.toHaveProperty('kl_bits');
      expect(record).not.toHaveProperty('vq');
      expect(record).toHaveProperty('ce_bits');
    }
  });

  it('the default is a line every 50 steps (and one at each epoch end)', async () => {
    const { lines } = await run(specWith({}), 1);
    expect(lines.map((l) => l.step)).toEqual([5]);
  });
});

describe('warm-up and validation loss', () => {
  it('warmup steps=N ramps each step linearly to the schedule rate, then follows the schedule', async () => {
    const { engine, rows } = await run(specWith({ warmup: { steps: 4 } }), 2);
    expect(engine.asked.map((a) => a.lr)).toEqual([...[1, 2, 3, 4].map((s) => (0.2 * s) / 4), 0.2, 0.1, 0.1, 0.1, 0.1, 0.1]);
    // metrics.jsonl: the rate of the epoch's last step.
    expect(rows.map((r) => r.lr)).toEqual([0.2, 0.1]);
  });

  it('validation cross-entropy in bits beside validation accuracy', async () => {
    const { rows, data } = await run(specWith({}), 1);
    const labels = data.validation!.labels;
    const lse = Math.log(3 + Math.E);
    const ce = labels.reduce((s, l) => s + lse - (l === 1 ? 1 : 0), 0) / labels.length;
    expect(rows[0]!.val_ce_bits).toBeCloseTo(ce / Math.LN2, 6);
  });

  it("the validation objective and each term, from the engine's evaluation pass: means over the validation images, in bits, absent when the model lacks them", async () => {
    const { rows, engine, data, spec } = await run(specWith({ evalBatchSize: 4 }), 1);
    // Every validation batch, and only those, went through evaluate (the test split is scored by accuracy alone).
    const sizes = engine.evaluated;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(data.validation!.count);
    expect(sizes.length).toBe(Math.ceil(data.validation!.count / spec.train.evalBatchSize));
    expect(new Set(sizes).size).toBeGreaterThan(1);
    // total = the batch size: the mean over images weights each batch by its size.
    const weighted = sizes.reduce((s, n) => s + n * n, 0) / data.validation!.count;
    const row = rows[0]!;
    expect(row.val_loss_bits).toBeCloseTo(weighted, 9); // an IB objective is already in bits
    expect(row.val_kl_bits).toBeCloseTo(2 / Math.LN2, 9);
    expect(row.val_vq).toBeCloseTo(0.3, 9);
    expect(row.val_commit).toBeCloseTo(0.4, 9);
    const plain = await run(specWith({ evalBatchSize: 4 }, { attention: false }), 1);
    // A plain classifier's objective is cross-entropy in nats: reported in bits; it has no KL, VQ or commitment.
    expect(plain.rows[0]!.val_loss_bits).toBeCloseTo(weighted / Math.LN2, 9);
    for (const absent of ['val_kl_bits', 'val_vq', 'val_commit']) expect(plain.rows[0]).not.toHaveProperty(absent);
    const unquantized = await run(specWith({}, { quantize: false }), 1);
    expect(unquantized.rows[0]).toHaveProperty('val_kl_bits');
    for (const absent of ['val_vq', 'val_commit']) expect(unquantized.rows[0]).not.toHaveProperty(absent);
  });
});

describe('early stopping', () => {
  it('stops after `patience` epochs without improvement, says why, checkpoints the stop, and a resume trains no further', async () => {
    // Predictions never change, so val_top1 is the same every epoch: epoch 1 is the best, epochs 2 and 3 wait.
    const spec = specWith({ earlyStop: { metric: 'val_top1', patience: 2, minDelta: 0 } });
    const { rows, outcome, checkpoints } = await run(spec, 10);
    expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(outcome.epochsDone).toBe(3);
    expect(outcome.stoppedEarly?.reason).toMatch(/^early stop after epoch 3: val_top1 did not improve by more than 0 for 2 epochs \(its best, .* at epoch 1\)$/);
    const stop = checkpoints.at(-1)!;
    expect(stop.epoch).toBe(3);
    expect(stop.earlyStop?.stopped).toBe(true);
    const resumed = await run(spec, 20, stop);
    expect(resumed.engine.asked).toEqual([]);
    expect(resumed.rows).toEqual([]);
    expect(resumed.outcome.stoppedEarly?.reason).toBe(outcome.stoppedEarly?.reason);
  });

  it('metric=val_loss_bits watches the validation objective: while it falls the run goes on, though val_top1 stands still', async () => {
    const onObjective = await run(specWith({ earlyStop: { metric: 'val_loss_bits', patience: 1, minDelta: 0 } }), 4, undefined, true);
    expect(onObjective.rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(onObjective.outcome.stoppedEarly).toBeUndefined();
    const values = onObjective.rows.map((r) => r.val_loss_bits!);
    expect(values.every((v, i) => i === 0 || v < values[i - 1]!)).toBe(true);
    const onAccuracy = await run(specWith({ earlyStop: { metric: 'val_top1', patience: 1, minDelta: 0 } }), 4, undefined, true);
    expect(onAccuracy.rows.map((r) => r.epoch)).toEqual([1, 2]);
    const flat = await run(specWith({ earlyStop: { metric: 'val_loss_bits', patience: 1, minDelta: 0 } }), 4);
    expect(flat.outcome.stoppedEarly?.reason).toMatch(/^early stop after epoch 2: val_loss_bits did not improve/);
  });

  it("Lightning's rule: an improvement must exceed min_delta; val_ce_bits improves downwards; a non-finite value never improves", () => {
    const rule = { metric: 'val_top1' as const, patience: 2, minDelta: 0.01 };
    let state = earlyStopCheck(rule, undefined, { epoch: 1, val_top1: 0.5 });
    state = earlyStopCheck(rule, state, { epoch: 2, val_top1: 0.505 });
    expect([state.best, state.waited, state.stopped]).toEqual([0.5, 1, false]);
    state = earlyStopCheck(rule, state, { epoch: 3, val_top1: 0.52 });
    expect([state.best, state.bestEpoch, state.waited]).toEqual([0.52, 3, 0]);
    state = earlyStopCheck(rule, state, { epoch: 4, val_top1: 0.4 });
    state = earlyStopCheck(rule, state, { epoch: 5, val_top1: 0.4 });
    expect(state.stopped).toBe(true);
    const loss = { metric: 'val_ce_bits' as const, patience: 1, minDelta: 0 };
    const first = earlyStopCheck(loss, undefined, { epoch: 1, val_ce_bits: 2 });
    expect(earlyStopCheck(loss, first, { epoch: 2, val_ce_bits: 1.5 }).stopped).toBe(false);
    expect(earlyStopCheck(loss, first, { epoch: 2, val_ce_bits: 2.5 }).stopped).toBe(true);
    expect(earlyStopCheck(loss, first, { epoch: 2, val_ce_bits: NaN }).stopped).toBe(true);
    const objective = { metric: 'val_loss_bits' as const, patience: 1, minDelta: 0 };
    const start = earlyStopCheck(objective, undefined, { epoch: 1, val_loss_bits: 3, val_ce_bits: 9 });
    expect(earlyStopCheck(objective, start, { epoch: 2, val_loss_bits: 2.9, val_ce_bits: 10 }).stopped).toBe(false);
    expect(earlyStopCheck(objective, start, { epoch: 2, val_loss_bits: 3.1, val_ce_bits: 1 }).stopped).toBe(true);
  });
});
