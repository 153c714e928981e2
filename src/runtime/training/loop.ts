/**
 * The training loop. Per epoch: the schedule's rate; shuffled, augmented
 * batches from the run's 'shuffle' stream; one engine step per batch, its
 * noise from the 'noise' stream; the steps' results (loss terms, logits) as
 * the engine hands them back (engine/training-engine.ts: on a GPU, about once
 * a second and at the end of the epoch). A non-finite loss stops the run when
 * its result comes back, naming the step it happened at, without writing a
 * checkpoint, so the last one written stays the last good one.
 * Each step's rate is the schedule's for the epoch times the linear warm-up's
 * factor (warmup steps=N); every train.log_every steps and at the epoch's end a
 * line of the step log (step-log.ts), whose last step also measures the
 * gradient norm.
 * After each epoch: validation and test accuracy with the eval sample count
 * (noise from a fixed evaluation seed, the averaged weights when the engine
 * keeps an average), one metrics row, early stopping's check (early-stop.ts),
 * and the checkpoints (always one at the epoch early stopping ends).
 *
 * Inside an epoch: a stop request (an interrupt: `stopRequested`) is honoured
 * at the next step boundary, and `checkpoint every_steps=N` / `every_minutes=X`
 * save there too. Such a checkpoint records the epoch's position (batches
 * taken, the shuffle stream as the epoch began, the metrics sums so far), so
 * a resume continues exactly as the uninterrupted run would have.
 *
 * The loop knows the TrainingEngine interface only, never which engine runs
 * the steps; files are written through a `RunSink`, so it knows nothing of
 * paths either, and tests can drive it with a fake engine and watch what it
 * writes.
 */
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { batchCount, evaluationBatches, trainingBatches, type Batch, type Dataset, type DataSplit } from '../data/index.js';
import { Random } from '../../support/random.js';
import { NormalTape } from '../../support/normal-tape.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { learningRate, warmupFactor, type LearningRatePlan } from './schedules.js';
import { countCorrect, evaluateAccuracy, evaluateWithLoss, type Accuracy, type LossScores } from './evaluate.js';
import type { BestScore, EarlyStopState, EpochSums, RunSettings, TrainingState } from './state.js';
import type { EvaluationUpdate, ProgressUpdate } from './progress.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { divergenceReason, firstNonFinite, firstNonFiniteInState, formatNonFinite, isDiverging, runningStatistics } from './divergence.js';
import type { Predictor, StepResult, TrainingEngine } from '../engine/training-engine.js';
import type { LossTermKind } from '../../compiler/ir/ir.js';
import { earlyStopCheck, type EarlyStopRule } from './early-stop.js';
import { StepWindow, type StepLogLine } from './step-log.js';
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
 * - val_ce_bits: the cross-entropy of the validation prediction (evaluation mode, the eval
 *   sample count, the averaged weights where kept), in bits.
 * - val_loss_bits, val_kl_bits, val_vq, val_commit: the training objective (in bits, as
 *   train_loss_bits) and its other terms on that same validation pass (TrainingEngine.evaluate):
 *   KL the analytic per-row KL of the eval pass's latent, averaged; vq and commit over its map.
 * A term the model does not have (KL of a plain classifier, VQ of an unquantized model) is
 * absent, never 0.
 */
export interface MetricsRow {
  readonly epoch: number;
  /** The rate of the epoch's last step (after warm-up). */
  readonly lr: number;
  readonly train_loss_bits: number;
  readonly train_top1: number;
  readonly ce_bits: number;
  readonly kl_bits?: number;
  readonly vq?: number;
  readonly commit?: number;
  readonly val_top1?: number;
  readonly val_ce_bits?: number;
  readonly val_loss_bits?: number;
  readonly val_kl_bits?: number;
  readonly val_vq?: number;
  readonly val_commit?: number;
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
  /** Lines of the step log (metrics-steps.jsonl), as they are complete. */
  appendSteps?(lines: readonly StepLogLine[]): void;
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
  /** What runs the steps (engine/choose-engine.ts makes it; the caller disposes it). */
  readonly engine: TrainingEngine;
  readonly specHash: string;
  readonly settings: RunSettings;
  readonly data: Dataset;
  readonly backend: string;
  readonly sink: RunSink;
  /** Continue from this state (its weights, optimizer, streams and epoch, and its place in the epoch). */
  readonly resume?: TrainingState;
  /** Where the loop adds its phases' times (training, batches, steps, evaluation, checkpoints); absent: not kept. */
  readonly phases?: PhaseClock;
  /** Asked at every step boundary: true stops the run there, after writing the last checkpoint (an interrupt). */
  readonly stopRequested?: () => boolean;
  /** Milliseconds on a monotonic clock, for `checkpoint every_minutes` (tests substitute one). */
  readonly clock?: () => number;
  /** The evaluation stream's tape (evaluationTape(settings.seed)), its values perhaps drawn ahead on a worker (evaluation-noise.ts); absent: the loop makes one. */
  readonly evaluationTape?: NormalTape;
}

/** Where a stopped run stood: the epoch in progress (1-based) and the batches of it taken. */
export interface StoppedAt {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  /** Optimizer steps taken in all. */
  readonly step: number;
}

export interface TrainOutcome {
  readonly last?: MetricsRow;
  readonly best?: BestScore;
  readonly epochsDone: number;
  /** Seconds and images over the epochs this invocation trained. */
  readonly trainSeconds: number;
  readonly trainImages: number;
  readonly seconds: number;
  /** Present when the run stopped on request before its last epoch ended; the last checkpoint holds where. */
  readonly stopped?: StoppedAt;
  /** Set when early stopping ended the run (now or in the run this one resumes). */
  readonly stoppedEarly?: EarlyStopState;
}

/** Optimizer steps per line of the step log when the spec sets no train.log_every (Lightning's log_every_n_steps). */
export const DEFAULT_LOG_EVERY = 50;

/** The fixed seed of evaluation noise: derived from the run seed, never from the training streams. */
export function evaluationNoise(seed: number): Random {
  return Random.fromSeed(seed).derive('eval-noise');
}

/** Calls `done(i)` after the i-th (1-based) batch of `batches` has been used. */
async function* counted<T>(batches: AsyncIterable<T>, done: (i: number) => void): AsyncGenerator<T> {
  let i = 0;
  for await (const b of batches) {
    yield b;
    done(++i);
  }
}

/**
 * The evaluation stream's normals, recorded once for a whole run: every split of every epoch
 * starts that stream afresh, so each reads the values the first evaluation drew (normal-tape.ts).
 */
export function evaluationTape(seed: number): NormalTape {
  return new NormalTape(evaluationNoise(seed).state());
}

/**
 * Test/validation accuracy of `predictor`'s weights (an engine's, or a finished run's model)
 * with the spec's eval sample count (or `samples`); `onBatch(i, total)` after each batch.
 * The noise is the evaluation stream of `seed`, read from `tape` when given (evaluationTape(seed):
 * the same values, drawn once).
 */
export async function evaluateSplit(
  predictor: Predictor,
  spec: ResolvedSpec,
  split: DataSplit,
  seed: number,
  samples?: number,
  onBatch?: (batch: number, batches: number) => void,
  tape?: NormalTape,
): Promise<Accuracy> {
  const n = samples ?? predictor.ir.samples.eval;
  await tape?.ready(); // values a worker draws ahead (evaluation-noise.ts), if it still draws them
  const { batches, noise } = evaluationInput(spec, split, seed, onBatch, tape);
  return evaluateAccuracy(batches, predictor.ir.classes, (b) => predictor.predict(b, { samples: n, noise }));
}

/** One evaluation's batches of `split` (counted for `onBatch`) and the noise its passes draw: the evaluation stream of `seed`, or `tape`'s recording of it. */
function evaluationInput(spec: ResolvedSpec, split: DataSplit, seed: number, onBatch?: (batch: number, batches: number) => void, tape?: NormalTape): { batches: AsyncIterable<Batch>; noise: Random } {
  const noise = tape ? tape.reader() : evaluationNoise(seed);
  const total = batchCount(split.count, spec.train.evalBatchSize);
  // Each pass is done with a batch before it asks for the next (evaluateAccuracy awaits it): one images array serves them all.
  const batches = evaluationBatches(split, { batchSize: spec.train.evalBatchSize, normalize: spec.data.normalize, input: spec.model.input, images: 'reused' });
  return { batches: onBatch ? counted(batches, (i) => onBatch(i, total)) : batches, noise };
}

/**
 * Validation of a training engine's weights: `evaluateSplit`'s accuracy and cross-entropy, and
 * the loss terms of the same passes (the same batches, draws and weights).
 */
async function validateSplit(engine: TrainingEngine, spec: ResolvedSpec, split: DataSplit, seed: number, onBatch?: (batch: number, batches: number) => void, tape?: NormalTape): Promise<LossScores> {
  const n = engine.ir.samples.eval;
  await tape?.ready();
  const { batches, noise } = evaluationInput(spec, split, seed, onBatch, tape);
  return evaluateWithLoss(batches, engine.ir.classes, (b) => engine.evaluate(b, { samples: n, noise }));
}

/** A metrics row's validation fields; a term the model lacks is absent. */
function validationFields(val: LossScores, modelTerms: ReadonlySet<LossTermKind>, totalToBits: number): Partial<MetricsRow> {
  return {
    val_top1: val.top1,
    val_ce_bits: val.crossEntropy / Math.LN2,
    val_loss_bits: val.loss.total * totalToBits,
    ...(modelTerms.has('kl') ? { val_kl_bits: val.loss.terms.kl / Math.LN2 } : {}),
    ...(modelTerms.has('vq') ? { val_vq: val.loss.terms.vq } : {}),
    ...(modelTerms.has('commit') ? { val_commit: val.loss.terms.commit } : {}),
  };
}

function schedulePlan(spec: ResolvedSpec, epochs: number): LearningRatePlan {
  return {
    baseLr: spec.train.optimizer.lr,
    schedule: spec.train.schedule,
    ...(spec.train.warmup?.lrs ? { warmup: spec.train.warmup.lrs } : {}),
    epochs,
  };
}

function formatNumber(x: number): string {
  if (Number.isFinite(x)) return Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toPrecision(4);
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The batches of `batches`, the time spent waiting for each (making it: shuffling, augmentation,
 * normalisation, or, for folder data, waiting on the data workers) added to the 'batches' phase.
 */
async function* timedBatches<T>(batches: AsyncIterable<T>, phases: PhaseClock): AsyncGenerator<T> {
  const iterator = batches[Symbol.asyncIterator]();
  for (;;) {
    const next = await phases.timeAsync('batches', () => iterator.next());
    if (next.done) return;
    yield next.value;
  }
}

/** A step taken whose result the engine has not handed back yet. */
interface TakenStep {
  readonly labels: Int32Array;
  /** 0-based optimizer step. */
  readonly step: number;
  /** 1-based batch within the epoch. */
  readonly batchIndex: number;
  /** This step's rate. */
  readonly lr: number;
  /** When the step was taken (performance.now()). */
  readonly takenAt: number;
  /** Whether the step ends a line of the step log. */
  readonly logged: boolean;
}

export async function train(options: TrainOptions): Promise<TrainOutcome> {
  const { spec, engine, data, sink, settings } = options;
  const phases = options.phases ?? new PhaseClock();
  const ir = engine.ir;
  const resume = options.resume;
  const plan = schedulePlan(spec, settings.epochs);
  if (resume) restoreEngine(engine, resume);
  const runningStats = runningStatistics(ir);
  const root = Random.fromSeed(settings.seed);
  let shuffle = root.derive('shuffle');
  let noise = root.derive('noise');
  let epoch = 0;
  let step = 0;
  let best: BestScore | undefined;
  let earlyStop: EarlyStopState | undefined;
  if (resume) {
    shuffle = Random.fromState(resume.random.shuffle);
    noise = Random.fromState(resume.random.noise);
    epoch = resume.epoch;
    step = resume.step;
    best = resume.best;
    earlyStop = resume.earlyStop;
  }
  const stopRule: EarlyStopRule | undefined = spec.train.earlyStop;
  const logEvery = spec.train.logEvery ?? DEFAULT_LOG_EVERY;
  const warmupSteps = spec.train.warmup?.steps;
  const modelTerms = new Set<LossTermKind>(ir.loss.terms.map((t) => t.kind));
  // Every evaluation of this run reads the evaluation stream's normals from one recording.
  const tape = options.evaluationTape ?? evaluationTape(settings.seed);

  const started = performance.now();
  const clock = options.clock ?? (() => performance.now());
  const { everySteps, everyMinutes } = spec.train.checkpoint;
  let lastSaved = clock();
  let resumeInEpoch = resume?.inEpoch;
  let trainSeconds = 0;
  let trainImages = 0;
  let last: MetricsRow | undefined;
  let checkpointWritten = resume !== undefined;
  let firstEpochLoss: number | undefined;
  let warnedDivergence = false;
  const batches = batchCount(data.train.count, spec.train.batchSize);
  const validationBatches = data.validation ? batchCount(data.validation.count, spec.train.evalBatchSize) : 0;
  const testBatches = batchCount(data.test.count, spec.train.evalBatchSize);
  // A 'nats' objective (a plain classifier's cross-entropy) is reported in bits like the rest.
  const totalToBits = ir.loss.unit === 'bits' ? 1 : 1 / Math.LN2;

  // A run early stopping ended stays ended: a resume (or more epochs) trains no further.
  if (earlyStop?.stopped) {
    return { ...(best ? { best } : {}), epochsDone: epoch, trainSeconds: 0, trainImages: 0, seconds: 0, stoppedEarly: earlyStop };
  }

  for (; epoch < settings.epochs; epoch++) {
    const epochStart = performance.now();
    const epochLr = learningRate(plan, epoch);
    let lr = epochLr;
    const window = new StepWindow(modelTerms, totalToBits);
    // A run resumed inside this epoch carries on from its sums and batch count.
    const within = resumeInEpoch;
    resumeInEpoch = undefined;
    const sums: { -readonly [K in keyof EpochSums]: number } = within ? { ...within.sums } : { total: 0, ce: 0, kl: 0, vq: 0, commit: 0, correct: 0, seen: 0 };
    const secondsBefore = within?.seconds ?? 0;
    // The stream as this epoch began: a checkpoint inside the epoch records it (the order is drawn from it again).
    const shuffleAtStart = shuffle.state();
    let batchIndex = within?.batches ?? 0;
    const taken: TakenStep[] = [];
    // One step's result, read: its loss terms and logits, for the step it belongs to.
    const account = (result: StepResult, p: TakenStep): void => {
      const { total, terms } = result.loss;
      if (!Number.isFinite(total)) {
        const kept = checkpointWritten ? `The last good checkpoint is kept at ${sink.checkpointPath('last')}` : 'No checkpoint had been written yet';
        throw new RunError(diagnostic('trainNonFiniteLoss', { args: { value: formatNumber(total), epoch: epoch + 1, step: p.step + 1, lr: p.lr, kept } }));
      }
      const n = p.labels.length;
      sums.total += total * n;
      sums.ce += terms.crossEntropy * n;
      sums.kl += terms.kl * n;
      sums.vq += terms.vq * n;
      sums.commit += terms.commit * n;
      const correct = countCorrect(result.logits, ir.classes, p.labels, 1).top1;
      sums.correct += correct;
      sums.seen += n;
      window.add(result, n, correct, p.takenAt);
      if (p.logged) {
        const line = window.line({ step: p.step + 1, epoch: epoch + 1, epochs: epoch + p.batchIndex / batches, lr: p.lr }, performance.now(), result.gradientNorm);
        sink.appendSteps?.([line]);
      }
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
    const accountDrained = async (which: 'due' | 'all'): Promise<void> => {
      for (const result of await engine.drain(which)) {
        const p = taken.shift();
        if (!p) throw new Error('the engine handed back more step results than steps taken');
        account(result, p);
      }
    };
    // A checkpoint at this step boundary: every step's result accounted first, so the sums are whole.
    const saveInEpoch = async (): Promise<void> => {
      await accountDrained('all');
      const state: TrainingState = {
        specHash: options.specHash,
        epoch,
        step,
        ...(await engine.state()),
        random: { shuffle: shuffleAtStart, noise: noise.state() },
        ...(best ? { best } : {}),
        ...(earlyStop ? { earlyStop } : {}),
        settings,
        backend: options.backend,
        inEpoch: { batches: batchIndex, sums: { ...sums }, seconds: secondsBefore + (performance.now() - epochStart) / 1000 },
      };
      // As at an epoch's end: a state that is no longer finite is never written mid-epoch either.
      const broken = firstNonFiniteInState(state, runningStats);
      if (broken) {
        const kept = checkpointWritten ? `The last good checkpoint is kept at ${sink.checkpointPath('last')}` : 'No checkpoint had been written yet';
        throw new RunError(diagnostic('trainNonFiniteWeights', { args: { value: formatNonFinite(broken.value), name: broken.name, epoch: epoch + 1, kept } }));
      }
      sink.writeCheckpoint('last', state);
      checkpointWritten = true;
      lastSaved = clock();
    };
    const stopHere = async (): Promise<TrainOutcome> => {
      await saveInEpoch();
      return {
        ...(last ? { last } : {}),
        ...(best ? { best } : {}),
        epochsDone: epoch,
        trainSeconds: trainSeconds + (performance.now() - epochStart) / 1000,
        trainImages: trainImages + sums.seen - (within?.sums.seen ?? 0),
        seconds: (performance.now() - started) / 1000,
        stopped: { epoch: epoch + 1, batch: batchIndex, batches, step },
      };
    };
    const epochEndSaves = (epoch + 1) % Math.max(1, spec.train.checkpoint.every) === 0 || epoch + 1 === settings.epochs;
    const dueInEpoch = (): boolean => {
      if (batchIndex === batches && epochEndSaves) return false; // the epoch's own checkpoint follows
      if (everySteps !== undefined && step % everySteps === 0) return true;
      return everyMinutes !== undefined && clock() - lastSaved >= everyMinutes * 60_000;
    };
    if (options.stopRequested?.()) return stopHere();
    const epochBatches = trainingBatches(data.train, {
      batchSize: spec.train.batchSize,
      epoch,
      seed: settings.seed,
      shuffle,
      augment: spec.data.augment,
      normalize: spec.data.normalize,
      input: spec.model.input,
      skipBatches: batchIndex,
    });
    for await (const batch of timedBatches(epochBatches, phases)) {
      lr = epochLr * warmupFactor(warmupSteps, step);
      const logged = (step + 1) % logEvery === 0 || batchIndex + 1 === batches;
      // 'steps': taking the step and reading the results that are due (on a GPU backend the read
      // waits for queued work, so the step's time lands where its result is read).
      const stepStart = performance.now();
      engine.step(batch, { lr, noise, ...(logged ? { measureGradientNorm: true } : {}) });
      taken.push({ labels: batch.labels, step, batchIndex: batchIndex + 1, lr, takenAt: stepStart, logged });
      step++;
      batchIndex++;
      await accountDrained('due');
      phases.add('steps', (performance.now() - stepStart) / 1000);
      // Let timers and I/O run between steps (progress output, signals, test runners' heartbeats).
      await new Promise<void>((resolveTick) => setImmediate(resolveTick));
      if (options.stopRequested?.()) return stopHere();
      if (dueInEpoch()) await phases.timeAsync('checkpoints', saveInEpoch);
    }
    await phases.timeAsync('steps', () => accountDrained('all'));
    const epochTrainSeconds = secondsBefore + (performance.now() - epochStart) / 1000;
    trainSeconds += epochTrainSeconds - secondsBefore; // this invocation's seconds, as trainImages counts its images
    phases.add('training', epochTrainSeconds - secondsBefore);
    trainImages += sums.seen - (within?.sums.seen ?? 0);
    // Both engines: weights that are no longer finite stop the run before they are evaluated or saved, even where
    // every loss stayed finite (a ReLU or a max pool can hide a NaN from the loss).
    const brokenWeight = firstNonFinite(await engine.weights(), runningStats);
    if (brokenWeight) {
      const kept = checkpointWritten ? `The last good checkpoint is kept at ${sink.checkpointPath('last')}` : 'No checkpoint had been written yet';
      throw new RunError(diagnostic('trainNonFiniteWeights', { args: { value: formatNonFinite(brokenWeight.value), name: `'${brokenWeight.name}'`, epoch: epoch + 1, kept } }));
    }

    const reportEvaluation = (split: 'validation' | 'test', after: number) =>
      sink.onEvaluation
        ? (batch: number, total: number) =>
            sink.onEvaluation!({ epoch: epoch + 1, epochs: settings.epochs, split, batch, batches: total, left: total - batch + after })
        : undefined;
    const evaluate = async (): Promise<{ val?: LossScores; test: Accuracy }> => {
      const val = data.validation ? await validateSplit(engine, spec, data.validation, settings.seed, reportEvaluation('validation', testBatches), tape) : undefined;
      const test = await evaluateSplit(engine, spec, data.test, settings.seed, undefined, reportEvaluation('test', 0), tape);
      return { ...(val ? { val } : {}), test };
    };
    const scores = await phases.timeAsync('evaluation', () => engine.withAveragedWeights(evaluate));
    const seen = Math.max(1, sums.seen);
    const row: MetricsRow = {
      epoch: epoch + 1,
      lr,
      train_loss_bits: (sums.total / seen) * totalToBits,
      train_top1: sums.correct / seen,
      ce_bits: sums.ce / seen / Math.LN2,
      ...(modelTerms.has('kl') ? { kl_bits: sums.kl / seen / Math.LN2 } : {}),
      ...(modelTerms.has('vq') ? { vq: sums.vq / seen } : {}),
      ...(modelTerms.has('commit') ? { commit: sums.commit / seen } : {}),
      ...(scores.val ? validationFields(scores.val, modelTerms, totalToBits) : {}),
      test_top1: scores.test.top1,
      test_top5: scores.test.top5,
      seconds: secondsBefore + (performance.now() - epochStart) / 1000,
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
    if (stopRule) earlyStop = earlyStopCheck(stopRule, earlyStop, row);
    const snapshot = async (): Promise<TrainingState> => ({
      specHash: options.specHash,
      epoch: epoch + 1,
      step,
      ...(await engine.state()),
      random: { shuffle: shuffle.state(), noise: noise.state() },
      ...(best ? { best } : {}),
      ...(earlyStop ? { earlyStop } : {}),
      settings,
      backend: options.backend,
    });
    // The epoch early stopping ends at is checkpointed, so that a resume sees the stop.
    const due = epochEndSaves || earlyStop?.stopped === true;
    if (due || (improved && spec.train.checkpoint.keepBest)) {
      await phases.timeAsync('checkpoints', async () => {
        const state = await snapshot();
        // Either engine: a state that is no longer finite is never written (the last good checkpoint stays the last).
        const broken = firstNonFiniteInState(state, runningStats);
        if (broken) {
          const kept = checkpointWritten ? `The last good checkpoint is kept at ${sink.checkpointPath('last')}` : 'No checkpoint had been written yet';
          throw new RunError(diagnostic('trainNonFiniteWeights', { args: { value: formatNonFinite(broken.value), name: broken.name, epoch: epoch + 1, kept } }));
        }
        if (due) {
          sink.writeCheckpoint('last', state);
          checkpointWritten = true;
          lastSaved = clock();
        }
        if (improved && spec.train.checkpoint.keepBest) sink.writeCheckpoint('best', state);
      });
    }
    if (earlyStop?.stopped) {
      epoch++;
      break;
    }
  }

  return {
    ...(last ? { last } : {}),
    ...(best ? { best } : {}),
    epochsDone: epoch,
    trainSeconds,
    trainImages,
    seconds: (performance.now() - started) / 1000,
    ...(earlyStop?.stopped ? { stoppedEarly: earlyStop } : {}),
  };
}

/** Puts a checkpoint's weights, optimizer and weight average into the engine; a mismatch is the user's (a checkpoint from another model). */
function restoreEngine(engine: TrainingEngine, state: TrainingState): void {
  try {
    engine.restore({ weights: state.weights, optimizer: state.optimizer, ...(state.ema ? { ema: state.ema } : {}) });
  } catch (error) {
    throw new RunError(diagnostic('trainCheckpointMismatch', { args: { path: 'checkpoint', reason: error instanceof Error ? error.message : String(error) } }));
  }
}
