/**
 * The training loop. Per epoch: the schedule's rate; shuffled, augmented
 * batches from the run's 'shuffle' stream; a training pass with the spec's
 * train sample count drawing from the 'noise' stream; the loss terms; the
 * gradients; the optimizer step (BN statistics are updated by the model's
 * train step); the EMA. Nothing is read from the device inside a step: the
 * steps' loss terms and logits stay there and are read together,
 * asynchronously, about once a second and at the end of the epoch (on a GPU a
 * read waits for all queued work; a synchronous read is impossible on WebGPU
 * in Node). A non-finite loss stops the run at that read, naming the step it
 * happened at, without writing a checkpoint, so the last one written stays
 * the last good one.
 * After each epoch: validation and test accuracy with the eval sample count
 * (noise from a fixed evaluation seed), one metrics row, and the checkpoints.
 *
 * Files are written through a `RunSink`, so the loop itself knows nothing of
 * paths and tests can watch what it writes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import { createTfjsModel, disposeTrainStep, disposeForward, type TfjsModel } from '../engine/executor/tfjs-model.js';
import { initParams } from '../engine/init-params.js';
import { makeBatches, batchCount, type Dataset, type Split } from '../data/index.js';
import { Random } from '../../support/random.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { createOptimizer, type Optimizer } from '../engine/executor/optimizers.js';
import { WeightEma } from '../engine/executor/ema.js';
import { learningRate, type LearningRatePlan } from './schedules.js';
import { countCorrect, evaluateAccuracy, evaluateLocalization, type Accuracy, type EvalBatch } from './evaluate.js';
import type { Localization } from './localization.js';
import type { BestScore, RunSettings, TrainingState } from './state.js';
import type { EvaluationUpdate, ProgressUpdate } from './progress.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { divergenceReason, isDiverging } from './divergence.js';
import type { NativeAddon } from '../engine/backends/native/addon.js';
import { CompiledTrainingStep } from '../engine/compiled/compiled-step.js';
import type { Precision } from '../engine/precision.js';
import { PhaseClock } from './phases.js';

/**
 * One line of metrics.jsonl. Field names are the file's format and name their unit: every
 * information quantity is in bits.
 *
 * - train_loss_bits: the training objective in bits. IB models optimise it as written
 *   (docs/method.md, section 4: CE / ln 2 + beta c KL / ln 2 + lambda_vq vq + lambda_c commit, as the reference
 *   does); the plain baseline optimises cross-entropy in nats, like any classifier, and reports
 *   it divided by ln 2 (the same objective, a constant factor apart).
 * - ce_bits, kl_bits: cross-entropy and KL (the spec's KL form, before beta and c) in bits.
 * - vq, commit: mean squared distances between map values and anchors (map units, no bits).
 */
export interface MetricsRow {
  readonly epoch: number;
  readonly lr: number;
  readonly train_loss_bits: number;
  readonly train_top1: number;
  readonly ce_bits: number;
  readonly kl_bits: number;
  readonly vq: number;
  readonly commit: number;
  readonly val_top1?: number;
  readonly test_top1: number;
  readonly test_top5: number;
  readonly seconds: number;
  readonly images_per_second: number;
}

/** What the loop reports after each batch: exactly what the progress reporter shows. */
export type BatchProgress = ProgressUpdate;

/** Where a run's outputs go. The CLI binds it to the run directory. */
export interface RunSink {
  appendMetrics(row: MetricsRow): void;
  writeCheckpoint(which: 'last' | 'best', state: TrainingState): void;
  /** Where `which` lives, for messages ("the last good checkpoint is kept at ..."). */
  checkpointPath(which: 'last' | 'best'): string;
  onBatch?(progress: BatchProgress): void;
  /** After each evaluation batch (validation, then test) that follows an epoch's training. */
  onEvaluation?(progress: EvaluationUpdate): void;
  onEpoch?(row: MetricsRow): void;
  /** Warnings found while training (a diverging loss); the run goes on. */
  onWarning?(warning: Diagnostic): void;
}

export interface TrainOptions {
  readonly spec: ResolvedSpec;
  readonly ir: ModelIR;
  readonly specHash: string;
  readonly settings: RunSettings;
  readonly data: Dataset;
  readonly backend: string;
  readonly sink: RunSink;
  /** Continue from this state (its weights, optimizer, streams and epoch). */
  readonly resume?: TrainingState;
  /**
   * The compiled training step (src/runtime/engine/compiled/) runs the steps when given (ibc-native
   * only; see chooseStepEngine); otherwise the TF.js executor and optimizer do.
   */
  readonly kernels?: NativeAddon;
  /** The compiled step's precision (default fp32); chooseStepEngine has checked that the kernels run it. */
  readonly precision?: Precision;
  /** Where the loop adds its phases' times (training, batches, steps, evaluation, checkpoints); absent: not kept. */
  readonly phases?: PhaseClock;
}

export interface TrainOutcome {
  /** The model after the last epoch (the caller disposes it). */
  readonly model: TfjsModel;
  readonly ema?: WeightEma;
  readonly last?: MetricsRow;
  readonly best?: BestScore;
  readonly epochsDone: number;
  /** Seconds and images over the epochs this invocation trained. */
  readonly trainSeconds: number;
  readonly trainImages: number;
  readonly seconds: number;
}

/** The fixed seed of evaluation noise: derived from the run seed, never from the training streams. */
export function evaluationNoise(seed: number): Random {
  return Random.fromSeed(seed).derive('eval-noise');
}

/** Batches of a split as tensors, in order, unaugmented; each batch's tensor is disposed when the next is requested. */
export function* evalBatches(split: Split, spec: ResolvedSpec, batchSize: number): Generator<EvalBatch> {
  const [h, w, c] = spec.model.input;
  for (const b of makeBatches(split, batchSize, undefined, undefined, spec.data.normalize, spec.model.input)) {
    const images = tf.tensor4d(b.images, [b.count, h, w, c]);
    try {
      yield { images, labels: b.labels };
    } finally {
      images.dispose();
    }
  }
}

/** The batches of `batches`, the time spent making each (shuffling, augmentation, normalisation) added to the 'batches' phase. */
function* timedBatches<T>(batches: Iterable<T>, phases: PhaseClock): Generator<T> {
  const iterator = batches[Symbol.iterator]();
  for (;;) {
    const next = phases.time('batches', () => iterator.next());
    if (next.done) return;
    yield next.value;
  }
}

/** Calls `done(i)` after the i-th (1-based) batch of `batches` has been used. */
function* counted<T>(batches: Iterable<T>, done: (i: number) => void): Generator<T> {
  let i = 0;
  for (const b of batches) {
    yield b;
    done(++i);
  }
}

/**
 * Test/validation accuracy of the model's current weights with the spec's eval
 * sample count (or `samples`); `onBatch(i, total)` after each batch.
 */
export function evaluateSplit(
  model: TfjsModel,
  spec: ResolvedSpec,
  split: Split,
  seed: number,
  samples?: number,
  onBatch?: (batch: number, batches: number) => void,
): Promise<Accuracy> {
  const n = samples ?? model.ir.samples.eval;
  const noise = evaluationNoise(seed);
  const total = batchCount(split.count, spec.train.evalBatchSize);
  const batches = evalBatches(split, spec, spec.train.evalBatchSize);
  return evaluateAccuracy(onBatch ? counted(batches, (i) => onBatch(i, total)) : batches, model.ir.classes, async ({ images }) => {
    const out = model.forward(images, { training: false, samples: n, noise });
    try {
      return (await out.logits.data()) as Float32Array;
    } finally {
      disposeForward(out);
    }
  });
}

/** evaluateSplit on the compiled step's inference plan: the same batches, draws and counts, no TF.js. */
function evaluateSplitCompiled(step: CompiledTrainingStep, spec: ResolvedSpec, split: Split, seed: number, onBatch?: (batch: number, batches: number) => void): Promise<Accuracy> {
  const n = step.ir.samples.eval;
  const noise = evaluationNoise(seed);
  const total = batchCount(split.count, spec.train.evalBatchSize);
  const batches = makeBatches(split, spec.train.evalBatchSize, undefined, undefined, spec.data.normalize, spec.model.input);
  return evaluateAccuracy(onBatch ? counted(batches, (i) => onBatch(i, total)) : batches, step.ir.classes, (b) => step.infer(b.images, b.count, n, noise));
}

/**
 * Localization of the model's attention maps against the split's object boxes,
 * in deterministic mode (a = mu_a, and a_q from mu_a: the maps of the attention
 * images). Undefined when the split has no boxes or the model no attention.
 */
export async function localizeSplit(model: TfjsModel, spec: ResolvedSpec, split: Split): Promise<Localization | undefined> {
  if (!split.boxes || model.ir.taps.attentionMean === undefined) return undefined;
  const [h, w] = spec.model.input;
  return evaluateLocalization(evalBatches(split, spec, spec.train.evalBatchSize), split.boxes, [h, w], async (images) => {
    const out = model.forward(images, { training: false, samples: 0 });
    try {
      const mean = out.taps.attentionMean;
      if (!mean) return undefined;
      const [, mh, mw] = mean.shape;
      const quantized = out.taps.attentionQuantized;
      return {
        mapShape: [mh, mw],
        mean: (await mean.data()) as Float32Array,
        ...(quantized ? { quantized: (await quantized.data()) as Float32Array } : {}),
      };
    } finally {
      tf.dispose([out.logits, ...Object.values(out.taps)]);
    }
  });
}

function schedulePlan(spec: ResolvedSpec, epochs: number): LearningRatePlan {
  return {
    baseLr: spec.train.optimizer.lr,
    schedule: spec.train.schedule,
    ...(spec.train.warmup ? { warmup: spec.train.warmup.lrs } : {}),
    epochs,
  };
}

/** One training step's results, on the device until they are read. */
interface PendingStep {
  /** [total, ce, kl, vq, commit]. */
  readonly terms: tf.Tensor1D;
  readonly logits: tf.Tensor2D;
  readonly labels: Int32Array;
  /** 0-based optimizer step. */
  readonly step: number;
  /** 1-based batch within the epoch. */
  readonly batchIndex: number;
}

/** How often step results are read back (progress lags by at most this much). */
const READ_INTERVAL_MS = 1000;
/** Bound on the steps waiting to be read (their logits are kept on the device). */
const MAX_PENDING_STEPS = 64;

/** Reads the loss terms and logits of several steps in two asynchronous reads. */
async function readStepResults(steps: readonly PendingStep[]): Promise<[Float32Array, Float32Array]> {
  const [terms, logits] = tf.tidy(() => [tf.concat(steps.map((p) => p.terms)), tf.concat(steps.map((p) => tf.reshape(p.logits, [-1])))]);
  try {
    const [t, l] = await Promise.all([terms.data(), logits.data()]);
    return [t as Float32Array, l as Float32Array];
  } finally {
    tf.dispose([terms, logits]);
  }
}

function formatNumber(x: number): string {
  if (Number.isFinite(x)) return Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toPrecision(4);
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export async function train(options: TrainOptions): Promise<TrainOutcome> {
  const { spec, ir, data, sink, settings } = options;
  const phases = options.phases ?? new PhaseClock();
  const resume = options.resume;
  const [h, w, c] = spec.model.input;
  const plan = schedulePlan(spec, settings.epochs);

  const initial = resume ? resume.weights : initParams(ir, settings.seed);
  const model = createTfjsModel(ir, initial);
  const variables = model.trainableVariables();
  let optimizer: Optimizer | undefined;
  let compiled: CompiledTrainingStep | undefined;
  let ema: WeightEma | undefined;
  try {
    if (options.kernels) {
      compiled = new CompiledTrainingStep(ir, spec.train.optimizer, options.kernels, initial, options.precision ?? 'fp32');
      if (resume) restoreCompiled(resume, compiled);
    } else {
      optimizer = createOptimizer(spec.train.optimizer, variables, ir.quantization);
      ema = spec.train.ema !== undefined ? new WeightEma(spec.train.ema, variables) : undefined;
    }
    const root = Random.fromSeed(settings.seed);
    let shuffle = root.derive('shuffle');
    let noise = root.derive('noise');
    let epoch = 0;
    let step = 0;
    let best: BestScore | undefined;
    if (resume) {
      if (optimizer) restoreInto(resume, optimizer, ema);
      shuffle = Random.fromState(resume.random.shuffle);
      noise = Random.fromState(resume.random.noise);
      epoch = resume.epoch;
      step = resume.step;
      best = resume.best;
    }

    const started = performance.now();
    let trainSeconds = 0;
    let trainImages = 0;
    let last: MetricsRow | undefined;
    let checkpointWritten = resume !== undefined;
    let firstEpochLoss: number | undefined;
    let warnedDivergence = false;
    const batches = batchCount(data.train.count, spec.train.batchSize);
    const validationBatches = data.validation ? batchCount(data.validation.count, spec.train.evalBatchSize) : 0;
    const testBatches = batchCount(data.test.count, spec.train.evalBatchSize);

    for (; epoch < settings.epochs; epoch++) {
      const epochStart = performance.now();
      const lr = learningRate(plan, epoch);
      const sums = { total: 0, ce: 0, kl: 0, vq: 0, commit: 0, correct: 0, seen: 0 };
      // The executor's losses are in nats (CE, KL) and the baseline's objective is CE in nats: report bits.
      const totalToBits = ir.loss.ib ? 1 : 1 / Math.LN2;
      let batchIndex = 0;
      // Per-step results stay on the device and are read together, asynchronously, every
      // READ_INTERVAL_MS (and at the end of the epoch): a read is a full GPU round trip.
      const pending: PendingStep[] = [];
      let lastRead = performance.now();
      // One step's results, read: its loss terms [total, ce, kl, vq, commit] and logits.
      const account = (t: ArrayLike<number>, rows: Float32Array, p: Pick<PendingStep, 'labels' | 'step' | 'batchIndex'>): void => {
        if (!Number.isFinite(t[0]!)) {
          const kept = checkpointWritten ? `The last good checkpoint is kept at ${sink.checkpointPath('last')}` : 'No checkpoint had been written yet';
          throw new RunError(
            diagnostic('trainNonFiniteLoss', {
              args: { value: formatNumber(t[0]!), epoch: epoch + 1, step: p.step + 1, lr, kept },
            }),
          );
        }
        const n = p.labels.length;
        sums.total += t[0]! * n;
        sums.ce += t[1]! * n;
        sums.kl += t[2]! * n;
        sums.vq += t[3]! * n;
        sums.commit += t[4]! * n;
        sums.correct += countCorrect(rows, ir.classes, p.labels, 1).top1;
        sums.seen += n;
        if (sink.onBatch) {
          const elapsed = (performance.now() - epochStart) / 1000;
          sink.onBatch({
            epoch: epoch + 1,
            epochs: settings.epochs,
            batch: p.batchIndex,
            batches,
            loss: (sums.total / sums.seen) * totalToBits,
            accuracy: sums.correct / sums.seen,
            imagesPerSecond: elapsed > 0 ? sums.seen / elapsed : 0,
            evalBatches: validationBatches + testBatches,
          });
        }
      };
      const readPending = async (): Promise<void> => {
        const steps = pending.splice(0, pending.length);
        lastRead = performance.now();
        if (steps.length === 0) return;
        let terms: Float32Array;
        let logits: Float32Array;
        try {
          [terms, logits] = await readStepResults(steps);
        } finally {
          for (const p of steps) tf.dispose([p.terms, p.logits]);
        }
        let offset = 0;
        steps.forEach((p, i) => {
          const rows = logits.subarray(offset, offset + p.labels.length * ir.classes);
          offset += rows.length;
          account(terms.subarray(5 * i, 5 * i + 5), rows, p);
        });
      };
      try {
        for (const batch of timedBatches(makeBatches(data.train, spec.train.batchSize, shuffle, spec.data.augment, spec.data.normalize, spec.model.input), phases)) {
          if (compiled) {
            // Synchronous and on the CPU: the results are read as the step returns.
            const outcome = phases.time('steps', () => compiled!.step(batch.images, batch.labels, ir.samples.train, noise, lr));
            account(outcome.terms, outcome.logits, { labels: batch.labels, step, batchIndex: batchIndex + 1 });
            step++;
            batchIndex++;
            await new Promise<void>((resolveTick) => setImmediate(resolveTick));
            continue;
          }
          const images = tf.tensor4d(batch.images, [batch.count, h, w, c]);
          const labels = tf.tensor1d(batch.labels, 'int32');
          const stepStart = performance.now();
          const result = model.trainStepGradients(images, labels, { samples: ir.samples.train, noise });
          images.dispose();
          labels.dispose();
          try {
            pending.push({
              terms: tf.stack([result.loss.total, result.loss.ce, result.loss.kl, result.loss.vq, result.loss.commit]) as tf.Tensor1D,
              logits: tf.clone(result.logits),
              labels: batch.labels,
              step,
              batchIndex: batchIndex + 1,
            });
            optimizer!.step(result.gradients, lr);
          } finally {
            disposeTrainStep(result);
            // Queued, not finished, on a GPU backend: the time to queue the step's kernels.
            phases.add('steps', (performance.now() - stepStart) / 1000);
          }
          ema?.update();
          step++;
          batchIndex++;
          if (pending.length >= MAX_PENDING_STEPS || performance.now() - lastRead >= READ_INTERVAL_MS) await readPending();
          // Let timers and I/O run between steps (progress output, signals, test runners' heartbeats).
          await new Promise<void>((resolveTick) => setImmediate(resolveTick));
        }
        await readPending();
      } finally {
        for (const p of pending) tf.dispose([p.terms, p.logits]);
      }
      const epochTrainSeconds = (performance.now() - epochStart) / 1000;
      trainSeconds += epochTrainSeconds;
      phases.add('training', epochTrainSeconds);
      // The compiled step holds the weights (BN statistics included) while it trains; evaluation and checkpoints read the model.
      if (compiled) model.setWeights(compiled.weights());
      trainImages += sums.seen;

      const reportEvaluation = (split: 'validation' | 'test', after: number) =>
        sink.onEvaluation
          ? (batch: number, total: number) =>
              sink.onEvaluation!({ epoch: epoch + 1, epochs: settings.epochs, split, batch, batches: total, left: total - batch + after })
          : undefined;
      const evaluateOn = (split: Split, onBatch: ((batch: number, batches: number) => void) | undefined): Promise<Accuracy> =>
        compiled ? evaluateSplitCompiled(compiled, spec, split, settings.seed, onBatch) : evaluateSplit(model, spec, split, settings.seed, undefined, onBatch);
      const evaluate = async (): Promise<{ val?: Accuracy; test: Accuracy }> => {
        const val = data.validation ? await evaluateOn(data.validation, reportEvaluation('validation', testBatches)) : undefined;
        const test = await evaluateOn(data.test, reportEvaluation('test', 0));
        return { ...(val ? { val } : {}), test };
      };
      const scores = await phases.timeAsync('evaluation', () => (ema ? ema.withAveraged(evaluate) : evaluate()));
      const seen = Math.max(1, sums.seen);
      const row: MetricsRow = {
        epoch: epoch + 1,
        lr,
        train_loss_bits: (sums.total / seen) * totalToBits,
        train_top1: sums.correct / seen,
        ce_bits: sums.ce / seen / Math.LN2,
        kl_bits: sums.kl / seen / Math.LN2,
        vq: sums.vq / seen,
        commit: sums.commit / seen,
        ...(scores.val ? { val_top1: scores.val.top1 } : {}),
        test_top1: scores.test.top1,
        test_top5: scores.test.top5,
        seconds: (performance.now() - epochStart) / 1000,
        images_per_second: epochTrainSeconds > 0 ? sums.seen / epochTrainSeconds : 0,
      };
      sink.appendMetrics(row);
      sink.onEpoch?.(row);
      firstEpochLoss ??= row.train_loss_bits;
      if (!warnedDivergence && isDiverging(row.train_loss_bits, firstEpochLoss, ir.classes)) {
        warnedDivergence = true;
        sink.onWarning?.(diagnostic('trainDiverging', { args: { value: formatNumber(row.train_loss_bits), epoch: row.epoch, why: divergenceReason(row.train_loss_bits, firstEpochLoss, ir.classes), lr } }));
      }
      last = row;

      const improved = scores.val !== undefined && (best === undefined || scores.val.top1 > best.valTop1);
      if (improved) best = { valTop1: scores.val!.top1, epoch: epoch + 1 };
      const snapshot = async (): Promise<TrainingState> => ({
        specHash: options.specHash,
        epoch: epoch + 1,
        step,
        weights: await model.readWeights(),
        optimizer: compiled ? compiled.optimizerState() : await optimizer!.readState(),
        ...(ema ? { ema: await ema.readState() } : {}),
        random: { shuffle: shuffle.state(), noise: noise.state() },
        ...(best ? { best } : {}),
        settings,
        backend: options.backend,
      });
      const due = (epoch + 1) % Math.max(1, spec.train.checkpoint.every) === 0 || epoch + 1 === settings.epochs;
      if (due || (improved && spec.train.checkpoint.keepBest)) {
        await phases.timeAsync('checkpoints', async () => {
          const state = await snapshot();
          if (due) {
            sink.writeCheckpoint('last', state);
            checkpointWritten = true;
          }
          if (improved && spec.train.checkpoint.keepBest) sink.writeCheckpoint('best', state);
        });
      }
    }

    return {
      model,
      ...(ema ? { ema } : {}),
      ...(last ? { last } : {}),
      ...(best ? { best } : {}),
      epochsDone: epoch,
      trainSeconds,
      trainImages,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    optimizer?.dispose();
    ema?.dispose();
    model.dispose();
    throw error;
  } finally {
    // The optimizer's buffers are only needed while training; the model and EMA go back to the caller.
    optimizer?.dispose();
  }
}

/** Puts a checkpoint's optimizer state into the compiled step (its weights came with the model's). */
function restoreCompiled(state: TrainingState, compiled: CompiledTrainingStep): void {
  try {
    compiled.setOptimizerState(state.optimizer);
  } catch (error) {
    throw new RunError(diagnostic('trainCheckpointMismatch', { args: { path: 'checkpoint', reason: error instanceof Error ? error.message : String(error) } }));
  }
}

/** Puts a checkpoint's optimizer and EMA state back; a mismatch is the user's (a checkpoint from another model). */
function restoreInto(state: TrainingState, optimizer: Optimizer, ema: WeightEma | undefined): void {
  try {
    optimizer.setState(state.optimizer);
    if (ema) {
      if (!state.ema) throw new Error('the spec asks for an EMA of weights, the checkpoint has none');
      ema.setState(state.ema);
    }
  } catch (error) {
    throw new RunError(diagnostic('trainCheckpointMismatch', { args: { path: 'checkpoint', reason: error instanceof Error ? error.message : String(error) } }));
  }
}

export { disposeForward };
