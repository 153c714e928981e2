/**
 * One `ibc train` invocation after the spec has compiled: pick or reopen the
 * run directory, load the data, train (fresh or resumed), and write the
 * summary and attention images. Terminal output goes through `RunReporter`;
 * user mistakes are RunErrors.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { readText, readTextIfReadable } from '../../host/read-file.js';
import { dirname, resolve } from 'node:path';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import { dataPaths } from '../../compiler/spec/data-paths.js';
import { describeDifferences, diffSpecs } from '../../compiler/spec/spec-diff.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { RunError, reasonOf } from '../../support/errors.js';
import { loadDataset, type DataProgress, type Dataset } from '../data/index.js';
import { removeStaleTemporaries, writeTextAtomic } from '../runs/checkpoint/index.js';
import { appendMetrics, clearRun, createRunDir, makeRunSubdir, refuseExistingRun, resolveInsideRunDir, writeResolvedSpec, writeSummary } from '../runs/run-dir.js';
import { lockRunDir, type RunLock } from '../runs/run-lock.js';
import { processIsAlive } from '../../host/process.js';
import { evaluateSplit, train, type BatchProgress, type MetricsRow, type StoppedAt, type TrainOutcome } from '../training/loop.js';
import { exitStatusOf, watchInterrupts, type InterruptSignal } from './interrupts.js';
import { localizeSplit } from '../training/localize-split.js';
import type { EvaluationUpdate } from '../training/progress.js';
import { checkpointPaths, loadResumeState, requireResumeFitsRun, requireRunDir, writeTrainingState } from '../runs/resume.js';
import type { RunSettings, TrainingState } from '../training/state.js';
import { renderRunAttention, requireAttentionFits, runAttentionFolder } from './attention.js';
import { formatLocalization, localizationRecord } from '../training/localization.js';
import { readMetricRows, readSummary } from '../runs/sweep/run-status.js';
import { appendStepLog, readStepLog, truncateStepLog } from '../runs/step-log.js';
import type { AdapterDescription } from '../engine/backends/webgpu/adapter.js';
import type { Precision } from '../engine/precision.js';
import { PhaseClock, secondsSinceProcessStart } from '../training/phases.js';
import { startEvaluationNoise } from '../training/evaluation-noise.js';
import type { NormalTape } from '../../support/normal-tape.js';
import { chooseStepEngine, choicePrecision, createTrainingEngine, type StepRequest } from '../engine/choose-engine.js';
import type { Predictor, TrainingEngine } from '../engine/training-engine.js';
import { createTfjsModel } from '../engine/executor/tfjs-model.js';
import { buildTraining } from '../../compiler/network/build-training.js';
import { quantizerAnchors } from '../../compiler/ir/loss.js';
import { describeIdentityDifferences, identityDifferences, optionsFor, readRunIdentity, recordLineOf, RUN_RECORD_FILE, summaryIdentity, writeRunRecord, type IdentityKey, type RunIdentity, type SummaryIdentity } from '../runs/run-identity.js';
import { firstRateChange } from '../training/schedules.js';
import type { Span } from '../../diagnostics/diagnostic.js';
import { loadPretrainedTrunk, requireSameWeights, type PretrainedTrunk } from '../engine/pretrained-trunk.js';
import type { WeightsFingerprint } from '../../compiler/pretrained/fingerprint.js';

export interface TrainRequest {
  readonly spec: ResolvedSpec;
  readonly ir: ModelIR;
  /** The spec's hash (serialize.ts), applied to the spec with the run's seed in it: what checkpoints carry and spec-hash.txt holds. */
  readonly hashSpec: (spec: ResolvedSpec) => string;
  /** --seed: replaces train.seed (a resumed run keeps its own seed). */
  readonly seed?: number;
  /** Absolute path of the spec file (relative data paths were resolved against its folder). */
  readonly specPath: string;
  /** The spec as the run keeps it in spec.ibspec: flattened (compiler/spec/flatten.ts), checkable on its own. */
  readonly specText: string;
  readonly outDir?: string;
  /** Replace a run already in `outDir` (otherwise it is refused: a finished run is never destroyed). */
  readonly overwrite?: boolean;
  /** Folder that holds runs when no --out is given. */
  readonly runsBase: string;
  readonly epochs?: number;
  readonly limitTrain?: number;
  /** Validation images to keep; default with limitTrain: the spec's validation fraction of it (at least 1). */
  readonly limitValidation?: number;
  readonly limitTest?: number;
  readonly resumeDir?: string;
  /** The backend's name as recorded. */
  readonly backend: string;
  /** The GPU adapter the backend computes on (webgpu), recorded in summary.json. */
  readonly adapter?: AdapterDescription;
  /** Which engine runs the training steps (default auto: the compiled step on ibc-native). */
  readonly step?: StepRequest;
  /** The host threads the backend computes with (backends/threads.ts), null where that is no setting. */
  readonly threads?: number | null;
  /** Attention images at the end (default 20; 0 = none). */
  readonly attentionImages?: number;
  /** Folder data: the image cache's folder or 'off' (--data-cache), the memory budget in bytes (--data-memory), worker threads. */
  readonly images?: { readonly cache?: string; readonly memoryBudget?: number; readonly workers?: number };
  readonly now?: Date;
}

export interface RunReporter {
  info(line: string): void;
  note?(d: Diagnostic): void;
  batch?(p: BatchProgress): void;
  evaluation?(e: EvaluationUpdate): void;
  epoch?(row: MetricsRow): void;
  /** Decoding or reading a folder data set, as it goes. */
  data?(progress: DataProgress): void;
}

/** summary.json. Its identity fields (SummaryIdentity: batch, limits, image counts, threads) are the run's identity as run.json records it (run-identity.ts; run.json's weights is the weights file's sha256). */
export interface RunSummary extends SummaryIdentity {
  readonly name: string;
  readonly test_top1: number;
  readonly test_top5: number;
  readonly best_val_top1?: number;
  readonly best_val_epoch?: number;
  /** Why early stopping (train.early_stop) ended the run before its last epoch. */
  readonly stopped_early?: string;
  readonly backend: string;
  /** What ran the training steps: 'compiled' (src/runtime/engine/compiled/) or 'tfjs' (the TF.js executor). */
  readonly training_step: 'compiled' | 'tfjs';
  /** The arithmetic of the convolutions and matrix products (train.precision): fp32 or bf16. */
  readonly precision: Precision;
  /** webgpu: the adapter trained on (name, vendor, architecture, software). */
  readonly adapter?: AdapterDescription;
  readonly epochs: number;
  readonly images_per_second: number;
  readonly seconds: number;
  readonly anchors?: number[];
  readonly param_count: number;
  readonly trainable_param_count: number;
  readonly spec_hash: string;
  readonly seed: number;
  /** Test-set localization of the attention maps, where the data has object boxes. */
  readonly localization?: Record<string, Record<string, number>>;
  /**
   * Where this invocation's wall time went, seconds by phase (training/phases.ts): startup (process
   * start to loading the data), data, training (the epochs' training loops: batches + steps + the
   * loop's own work), batches and steps (inside training), evaluation, checkpoints, localization,
   * figures (curves.png and the attention images; written into the summary once they are drawn).
   */
  readonly phases: Record<string, number>;
  /** Folder data with bad_files skip: image files left out (listed in skipped-images.json). */
  readonly skipped_images?: number;
  /** The weights file the trunk started from (weights="..."): path, size, sha256. */
  readonly weights?: WeightsFingerprint;
}

/** A run an interrupt stopped: where, by which signal, and the checkpoint that resumes it. */
export interface StoppedRun extends StoppedAt {
  readonly signal: InterruptSignal;
  /** 128 + the signal's number (130 SIGINT, 143 SIGTERM). */
  readonly status: number;
  readonly checkpoint: string;
}

export interface TrainResult {
  readonly runDir: string;
  readonly summary?: RunSummary;
  readonly stopped?: StoppedRun;
}

function positive(option: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new RunError(diagnostic('trainBadOption', { args: { option, value, reason: 'it must be a whole number of at least 1' } }));
  }
}

/**
 * The metrics.jsonl a resumed run continues: the rows of epochs the
 * checkpoint covers, and every line that is not one of ibc's rows (a note the
 * user added) kept as it was. Rows of later epochs (written after the
 * checkpoint, before a kill) are dropped, and so are the end-of-training
 * event rows (localization) of the checkpoint's last epoch, which the end of
 * this run writes again, and an unterminated last line that starts like a
 * row: what a kill in the middle of an append leaves.
 */
export function resumedMetrics(text: string, epochsDone: number): string {
  const lines = text.split('\n');
  const unterminated = lines.pop() ?? '';
  if (unterminated !== '' && !unterminated.trimStart().startsWith('{')) lines.push(unterminated);
  const kept = lines.filter((line) => {
    if (line.trim() === '') return false;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return !line.trimStart().startsWith('{"epoch"'); // a row cut short is dropped; anything else is the user's
    }
    const epoch = row && typeof row === 'object' ? (row as { epoch?: unknown }).epoch : undefined;
    const event = row && typeof row === 'object' && 'event' in row;
    return typeof epoch !== 'number' || (event ? epoch < epochsDone : epoch <= epochsDone);
  });
  return kept.map((l) => `${l}\n`).join('');
}

function truncateMetrics(runDir: string, epochsDone: number): void {
  const path = resolveInsideRunDir(runDir, 'metrics.jsonl');
  if (!existsSync(path)) return;
  const text = readText('log', path, (problem) => new RunError(diagnostic('runDirWriteFailed', { args: { path, reason: `it cannot be read back to continue it: ${problem.reason}` } })));
  writeTextAtomic(path, resumedMetrics(text, epochsDone));
}

/** The run directory must take new files: say why not (read-only mount, immutable folder) before training for minutes. */
function requireWritable(runDir: string): void {
  try {
    accessSync(runDir, constants.W_OK);
  } catch (error) {
    throw new RunError(diagnostic('runDirNotWritable', { args: { path: runDir, reason: reasonOf(error) } }));
  }
}

/** Removes what killed writers of this run left (`*.tmp-PID`); called with the lock held. */
function cleanDeadWriters(runDir: string): void {
  for (const folder of [runDir, checkpointPaths(runDir).folder, resolveInsideRunDir(runDir, 'attention')]) removeStaleTemporaries(folder, processIsAlive);
}

/** A data error has no source position of its own: point it at the spec's data section. */
async function locatedAtSpec<T>(spec: ResolvedSpec, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof RunError && !error.diagnostic.span) {
      // The path the message names, when the spec wrote it: underline that path, else the data section.
      const named = dataPaths(spec).find((p) => error.diagnostic.message.includes(`'${p.path}'`));
      const span = named?.span ?? spec.data.origin;
      if (span) throw new RunError({ ...error.diagnostic, span });
    }
    throw error;
  }
}

/** ": key a -> b (changes the model), ..." from the run's resolved-spec.json to `spec`; empty when it cannot be read. */
function differencesFromRun(runDir: string, spec: ResolvedSpec): string {
  try {
    const text = readTextIfReadable('record', resolveInsideRunDir(runDir, 'resolved-spec.json'));
    if (text === undefined) return '';
    const recorded = JSON.parse(text) as ResolvedSpec;
    const differences = diffSpecs(recorded, spec);
    return differences.length > 0 ? ` (${describeDifferences(differences)})` : '';
  } catch {
    return ''; // an older or damaged run: the hashes alone
  }
}

/** With --limit-train N and no --limit-val: the spec's validation fraction of N (at least 1), so a smoke run does not validate on thousands of images. */
export function proportionalValidation(fraction: number, limitTrain: number | undefined): number | undefined {
  if (limitTrain === undefined || !(fraction > 0)) return undefined;
  return Math.max(1, Math.round(fraction * limitTrain));
}

function withSeed(spec: ResolvedSpec, seed: number): ResolvedSpec {
  return seed === spec.train.seed ? spec : { ...spec, train: { ...spec.train, seed } };
}

/**
 * curves.png and curves.svg (from the step log and the epoch rows). A file that
 * cannot be written (a full disk) stops the end of the run before its summary,
 * so --resume finishes it later; a drawing failure (a bug) is reported and the
 * run still finishes.
 */
async function drawCurves(runDir: string, name: string, reporter: RunReporter): Promise<void> {
  try {
    const { writeCurves } = await import('../figures/plots/curves.js'); // vega loads only when a run ends
    reporter.info(`curves: ${await writeCurves(runDir, name, readMetricRows(runDir), readStepLog(runDir))}`);
  } catch (error) {
    if (error instanceof RunError) throw error;
    reporter.info(`curves.png was not drawn (a bug in ibc; please report it): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The mean images/s of the epochs in metrics.jsonl: the speed of a run finished by --resume, which trained no epoch itself. */
function meanRecordedSpeed(runDir: string): number {
  const speeds = readMetricRows(runDir).map((r) => r.images_per_second).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return speeds.length > 0 ? speeds.reduce((a, b) => a + b, 0) / speeds.length : 0;
}

/**
 * The metrics of the run's last epoch when this invocation trained none (a
 * run finished by --resume): its row in metrics.jsonl, else (a row removed by
 * hand) the test accuracy evaluated now.
 */
async function lastRow(runDir: string, outcome: TrainOutcome, evaluated: Predictor, spec: ResolvedSpec, data: Dataset, seed: number): Promise<Pick<MetricsRow, 'test_top1' | 'test_top5'>> {
  const row = readMetricRows(runDir).filter((r) => r.epoch === outcome.epochsDone).pop();
  if (row && typeof row.test_top1 === 'number' && typeof row.test_top5 === 'number') return { test_top1: row.test_top1, test_top5: row.test_top5 };
  const accuracy = await evaluateSplit(evaluated, spec, data.test, seed);
  return { test_top1: accuracy.top1, test_top5: accuracy.top5 };
}

/** What a checkpoint records of the run's identity (runs from before run.json have only this). */
function identityOfState(state: TrainingState): Partial<RunIdentity> {
  const s = state.settings;
  return { seed: s.seed, limit_train: s.limitTrain ?? null, limit_val: s.limitValidation ?? null, limit_test: s.limitTest ?? null, backend: state.backend };
}

/** Where run.json records `key` (for a message located in the file), when the run has one. */
function recordSpan(runDir: string, key: IdentityKey): Span | undefined {
  const file = resolveInsideRunDir(runDir, RUN_RECORD_FILE);
  if (!existsSync(file)) return undefined;
  const line = recordLineOf(key);
  return { file, start: { offset: 0, line, column: 3 }, end: { offset: 0, line, column: 3 + key.length + 2 } };
}

/**
 * A resume may extend a run's epochs only where the epochs already trained kept their
 * learning rates: a schedule that spreads over the total (cosine) would have trained them
 * at other rates, and the run would match no uninterrupted one.
 */
function requireSameSchedule(runDir: string, spec: ResolvedSpec, before: number, after: number, done: number): void {
  if (before === after) return;
  const plan = { baseLr: spec.train.optimizer.lr, schedule: spec.train.schedule, ...(spec.train.warmup ? { warmup: spec.train.warmup.lrs } : {}), epochs: before };
  const change = firstRateChange(plan, before, after, done);
  if (change) {
    throw new RunError(diagnostic('resumeScheduleChanged', { args: { path: runDir, before, after, schedule: spec.train.schedule.kind, epoch: change.epoch + 1, was: change.was, now: change.now } }));
  }
}

export async function runTraining(request: TrainRequest, reporter: RunReporter): Promise<TrainResult> {
  positive('--epochs', request.epochs);
  positive('--limit-train', request.limitTrain);
  positive('--limit-val', request.limitValidation);
  positive('--limit-test', request.limitTest);
  requireAttentionFits(`--attention ${request.attentionImages ?? 20}`, request.attentionImages ?? 20, request.spec, request.ir);

  let lock: RunLock | undefined;
  // SIGINT, SIGTERM, SIGUSR1: the loop stops at the next step boundary with a checkpoint; a second one stops at once.
  const job: JobPhase = { phase: 'training', runDir: undefined };
  const interrupts = watchInterrupts({
    onFirst: (signal) =>
      reporter.info(
        job.phase === 'training'
          ? `${signal} received: stopping after this step and saving a checkpoint to resume from (send it again to stop at once)`
          : `${signal} received: training has finished; writing its summary and figures first (send it again to stop at once)`,
      ),
    onForce: (signal, status) => {
      lock?.release();
      const kept = job.runDir !== undefined && existsSync(checkpointPaths(job.runDir).last) ? `; the last good checkpoint is kept at ${checkpointPaths(job.runDir).last}` : '';
      reporter.info(`${signal}, a second signal: stopped at once (exit ${status})${kept}`);
    },
  });
  try {
    return await runLocked(request, reporter, (taken) => (lock = taken), job, () => interrupts.received());
  } finally {
    interrupts.dispose();
    lock?.release();
  }
}

/** What the interrupt handlers need to know of the job: whether it still trains, and its run directory once there is one. */
interface JobPhase {
  phase: 'training' | 'finishing';
  runDir: string | undefined;
}

async function runLocked(
  request: TrainRequest,
  reporter: RunReporter,
  locked: (lock: RunLock) => void,
  job: JobPhase,
  interrupted: () => InterruptSignal | undefined,
): Promise<TrainResult> {
  const { ir } = request;
  let spec = request.spec;
  let specHash: string;
  let resume: TrainingState | undefined;
  let runDir = '';
  let settings: RunSettings;
  // Before the data and the run directory: a --step that cannot run leaves nothing behind.
  const stepEngine = chooseStepEngine(request.step ?? 'auto', request.backend, spec, ir);
  const computedBy = { backend: request.backend, training_step: stepEngine.engine, precision: choicePrecision(stepEngine), threads: request.threads ?? null };
  if (request.resumeDir !== undefined) {
    runDir = resolve(request.resumeDir);
    requireRunDir(runDir);
    locked(lockRunDir(runDir));
    cleanDeadWriters(runDir);
    resume = loadResumeState(runDir, ir);
    spec = withSeed(spec, resume.settings.seed);
    specHash = request.hashSpec(spec);
    if (resume.specHash !== specHash) {
      const differences = differencesFromRun(runDir, spec);
      throw new RunError(
        diagnostic('resumeSpecMismatch', {
          args: { found: resume.specHash.slice(0, 12), expected: specHash.slice(0, 12), spec: request.specPath, differences, runSpec: resolveInsideRunDir(runDir, 'spec.ibspec'), dir: runDir },
        }),
      );
    }
    requireResumeFitsRun(runDir, resume, spec, request.hashSpec);
    if (resume.settings.weights) requireSameWeights(resume.settings.weights, runDir);
    requireWritable(runDir);
    const kept = resume.settings;
    settings = { ...kept, ...(request.epochs !== undefined ? { epochs: request.epochs } : {}) };
    requireSameSchedule(runDir, spec, kept.epochs, settings.epochs, resume.epoch);
    // A resumed run continues with what it started with: every setting it records, compared.
    const recorded = { ...identityOfState(resume), ...readRunIdentity(runDir) };
    const asked: Partial<RunIdentity> = {
      ...computedBy,
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.limitTrain !== undefined ? { limit_train: request.limitTrain } : {}),
      ...(request.limitValidation !== undefined ? { limit_val: request.limitValidation } : {}),
      ...(request.limitTest !== undefined ? { limit_test: request.limitTest } : {}),
    };
    const differences = identityDifferences(recorded, asked);
    if (differences.length > 0) {
      const options = optionsFor(differences);
      const first = differences[0];
      const span = first ? recordSpan(runDir, first.key) : undefined;
      throw new RunError(
        diagnostic('resumeIdentityChanged', {
          ...(span ? { span } : {}),
          args: { path: runDir, differences: describeIdentityDifferences(differences), ways: options !== '' ? `resume with ${options} (or without those options: --resume takes the run's own)` : 'resume without those options (--resume takes the run\'s own)' },
        }),
      );
    }
    if (resume.earlyStop?.stopped) {
      reporter.note?.(diagnostic('resumeStoppedEarly', { args: { reason: resume.earlyStop.reason ?? 'early stop' } }));
      return { runDir };
    }
    if (resume.epoch >= settings.epochs) {
      // Finished only once summary.json is written (the last thing a run writes): a run killed after its
      // last checkpoint is finished now (localization, curves, attention, summary), not reported done.
      if (readSummary(runDir) !== undefined) {
        reporter.note?.(diagnostic('resumeAlreadyDone', { args: { done: resume.epoch, epochs: settings.epochs } }));
        return { runDir };
      }
      settings = { ...settings, epochs: resume.epoch };
      reporter.info(`finishing ${runDir}: all ${resume.epoch} epochs are trained; writing what a run writes at its end`);
    } else {
      const within = resume.inEpoch ? `, after batch ${resume.inEpoch.batches} of it` : '';
      reporter.info(`resuming ${runDir} at epoch ${resume.epoch + 1} of ${settings.epochs}${within} (step ${resume.step})`);
    }
    truncateMetrics(runDir, resume.epoch);
    truncateStepLog(runDir, resume.step);
  } else {
    if (request.outDir !== undefined) refuseExistingRun(resolve(request.outDir), request.overwrite === true);
    spec = withSeed(spec, request.seed ?? spec.train.seed);
    specHash = request.hashSpec(spec);
    const limitValidation = request.limitValidation ?? proportionalValidation(spec.data.validation, request.limitTrain);
    settings = {
      seed: spec.train.seed,
      epochs: request.epochs ?? spec.train.epochs,
      ...(request.limitTrain !== undefined ? { limitTrain: request.limitTrain } : {}),
      ...(limitValidation !== undefined ? { limitValidation } : {}),
      ...(request.limitTest !== undefined ? { limitTest: request.limitTest } : {}),
      dataBaseDir: dirname(request.specPath),
    };
  }

  // A weights file that does not fit is refused before anything is created: the trunk is read (and fingerprinted) first.
  let pretrained: PretrainedTrunk | undefined;
  if (!resume) {
    pretrained = await loadPretrainedTrunk(spec, ir);
    if (pretrained) settings = { ...settings, weights: pretrained.fingerprint };
  }

  // The evaluation noise is drawn on a worker while the data loads (evaluation-noise.ts); a resume that
  // only finishes a run evaluates no epoch, and starts none.
  const evaluates = resume === undefined || resume.epoch < settings.epochs;
  const noise = startEvaluationNoise(settings.seed, ir, evaluates ? ir.samples.eval : 0);
  const phases = new PhaseClock();
  phases.add('startup', secondsSinceProcessStart());
  const data = await phases.timeAsync('data', () => locatedAtSpec(spec, () =>
    loadDataset(spec.data, {
      seed: settings.seed,
      ...(settings.limitTrain !== undefined ? { limitTrain: settings.limitTrain } : {}),
      ...(settings.limitValidation !== undefined ? { limitValidation: settings.limitValidation } : {}),
      ...(settings.limitTest !== undefined ? { limitTest: settings.limitTest } : {}),
      input: spec.model.input,
      classes: spec.model.classes,
      baseDir: settings.dataBaseDir ?? dirname(request.specPath),
      images: {
        ...request.images,
        ...(reporter.data ? { onProgress: reporter.data } : {}),
        onNote: (line) => reporter.info(line),
      },
    }),
  )).catch(async (error: unknown) => {
    await noise.stop();
    throw error;
  });
  noise.fitTo(Math.max(data.test.count, data.validation?.count ?? 0));
  try {
    return await trainOnData(request, reporter, locked, { spec, specHash, settings, stepEngine, computedBy, data, phases, evaluationTape: noise.tape, ...(resume ? { resume } : {}), ...(pretrained ? { pretrained } : {}), runDir }, job, interrupted);
  } finally {
    await noise.stop();
    await data.close();
  }
}

interface Prepared {
  readonly spec: ResolvedSpec;
  readonly specHash: string;
  readonly settings: RunSettings;
  readonly stepEngine: ReturnType<typeof chooseStepEngine>;
  /** What computes the run (run.json's backend, training_step, precision, threads). */
  readonly computedBy: Pick<RunIdentity, 'backend' | 'training_step' | 'precision' | 'threads'>;
  readonly data: Dataset;
  /** The run's phase times so far (start-up, data); training and what follows add theirs. */
  readonly phases: PhaseClock;
  /** The evaluation stream's tape, its values drawn ahead on a worker. */
  readonly evaluationTape: NormalTape;
  readonly resume?: TrainingState;
  /** The trunk's weights file, read and checked before anything was created. */
  readonly pretrained?: PretrainedTrunk;
  readonly runDir: string;
}

/** The part of a run after the data has loaded: the run directory, training, the summary and figures. */
async function trainOnData(
  request: TrainRequest,
  reporter: RunReporter,
  locked: (lock: RunLock) => void,
  prepared: Prepared,
  job: JobPhase,
  interrupted: () => InterruptSignal | undefined,
): Promise<TrainResult> {
  const { ir } = request;
  const { spec, specHash, settings, stepEngine, computedBy, data, phases, evaluationTape, resume, pretrained } = prepared;
  let runDir = prepared.runDir;

  if (!resume) {
    // Created only once the data has loaded, so a bad data path leaves no empty run behind.
    runDir = request.outDir !== undefined ? makeRunSubdir(resolve(request.outDir), '.') : createRunDir(request.runsBase, spec.name, request.now);
    requireWritable(runDir);
    locked(lockRunDir(runDir));
    if (request.outDir !== undefined) {
      // Checked again under the lock: another ibc may have finished a run here since the first check.
      refuseExistingRun(runDir, request.overwrite === true);
      if (request.overwrite === true) clearRun(runDir);
    }
    cleanDeadWriters(runDir);
    writeTextAtomic(resolveInsideRunDir(runDir, 'spec.ibspec'), request.specText);
    writeResolvedSpec(runDir, spec);
    writeTextAtomic(resolveInsideRunDir(runDir, 'spec-hash.txt'), `${specHash}\n`);
    writeTextAtomic(resolveInsideRunDir(runDir, 'metrics.jsonl'), '');
    reporter.info(`run directory: ${runDir}`);
  }
  const identity: RunIdentity = {
    spec_hash: specHash,
    seed: settings.seed,
    batch: spec.train.batchSize,
    epochs: settings.epochs,
    limit_train: settings.limitTrain ?? null,
    limit_val: settings.limitValidation ?? null,
    limit_test: settings.limitTest ?? null,
    train_images: data.train.count,
    val_images: data.validation?.count ?? null,
    test_images: data.test.count,
    ...computedBy,
    weights: settings.weights?.sha256 ?? null,
  };
  // run.json: what shapes this run's numbers besides its spec, in plain text (again on a resume that extends the epochs).
  writeRunRecord(runDir, identity);
  reporter.info(`training step: ${stepEngine.engine} (${stepEngine.reason}), precision ${choicePrecision(stepEngine)}`);
  if (pretrained) {
    reporter.info(`weights: ${pretrained.summary?.message ?? `trunk from ${pretrained.fingerprint.path}`}`);
    for (const warning of pretrained.warnings) reporter.note?.(warning);
  }
  const counts = [`train ${data.train.count}`, ...(data.validation ? [`validation ${data.validation.count}`] : []), `test ${data.test.count}`];
  reporter.info(`data: ${counts.join(', ')} images of ${spec.model.input.join('x')}`);
  if (data.skipped && data.skipped.length > 0) {
    // bad_files skip: the files left out are listed in the run directory, with their reasons.
    const listPath = resolveInsideRunDir(runDir, 'skipped-images.json');
    writeTextAtomic(listPath, `${JSON.stringify(data.skipped, null, 2)}\n`);
    const first = data.skipped[0]!;
    reporter.note?.(diagnostic('dataImagesSkipped', { args: { count: data.skipped.length, where: `listed in ${listPath}`, first: `'${first.path}': ${first.reason}` } }));
  }

  job.runDir = runDir;
  const shapes = new Map(ir.params.map((p) => [p.name, p.shape] as const));
  const paths = checkpointPaths(runDir);
  makeRunSubdir(runDir, 'checkpoints');
  // The weights the run ends with, and those it evaluates (the averaged ones when it keeps an average).
  let finalWeights: Map<string, Float32Array>;
  let evaluatedWeights: Map<string, Float32Array>;
  let outcome: TrainOutcome;
  // A resumed run starts from its checkpoint's weights; a fresh one from the seed, its pretrained trunk (weights="...") where given.
  const initial = resume ? resume.weights : { seed: settings.seed, ...(pretrained ? { pretrained: pretrained.weights } : {}) };
  const engine: TrainingEngine = createTrainingEngine(stepEngine, buildTraining(spec, ir), initial);
  try {
    outcome = await train({
      engine,
      phases,
      evaluationTape,
      spec,
      specHash,
      settings,
      data,
      backend: request.backend,
      ...(resume ? { resume } : {}),
      stopRequested: () => interrupted() !== undefined,
      sink: {
        appendMetrics: (row) => void appendMetrics(runDir, row as unknown as Record<string, unknown>),
        appendSteps: (lines) => appendStepLog(runDir, lines),
        writeCheckpoint: (which, state) => writeTrainingState(paths[which], state, shapes),
        checkpointPath: (which) => paths[which],
        ...(reporter.batch ? { onBatch: reporter.batch } : {}),
        ...(reporter.evaluation ? { onEvaluation: reporter.evaluation } : {}),
        ...(reporter.epoch ? { onEpoch: reporter.epoch } : {}),
        ...(reporter.note ? { onWarning: reporter.note } : {}),
      },
    });
    job.phase = 'finishing';
    if (outcome.stoppedEarly?.reason) reporter.note?.(diagnostic('trainStoppedEarly', { args: { reason: outcome.stoppedEarly.reason } }));
    finalWeights = await engine.weights();
    evaluatedWeights = (await engine.averagedWeights()) ?? finalWeights;
  } finally {
    engine.dispose();
  }
  const signal = interrupted();
  if (outcome.stopped && signal) {
    return { runDir, stopped: { ...outcome.stopped, signal, status: exitStatusOf(signal), checkpoint: paths.last } };
  }
  const averaged = evaluatedWeights !== finalWeights;

  // The figures and the localization read the attention maps: the TF.js model of the evaluated weights.
  const model = createTfjsModel(ir, evaluatedWeights);
  try {
    const images = request.attentionImages ?? 20;
    const anchorsName = quantizerAnchors(ir);
    const paramCount = ir.params.filter((p) => p.group !== 'buffers').reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    const trainable = ir.params.filter((p) => p.trainable && p.group !== 'buffers').reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    // A run finished by --resume trains no epoch: its last epoch's row is in metrics.jsonl (appended before the checkpoint).
    const last = outcome.last ?? (await lastRow(runDir, outcome, model, spec, data, settings.seed));
    // Where the test set has object boxes: does the attention find the object? (localization.ts)
    const localization = await phases.timeAsync('localization', () => localizeSplit(model, spec, data.test));
    if (localization) {
      appendMetrics(runDir, { epoch: outcome.epochsDone, event: 'localization', split: 'test', maps: 'deterministic (a = mu_a)', localization: localizationRecord(localization) });
      for (const line of formatLocalization(localization)) reporter.info(`test localization, ${line}`);
    }
    const summary: RunSummary = {
      name: spec.name,
      test_top1: last.test_top1,
      test_top5: last.test_top5,
      ...(outcome.best ? { best_val_top1: outcome.best.valTop1, best_val_epoch: outcome.best.epoch } : {}),
      ...(outcome.stoppedEarly?.reason ? { stopped_early: outcome.stoppedEarly.reason } : {}),
      backend: request.backend,
      training_step: stepEngine.engine,
      precision: choicePrecision(stepEngine),
      ...(request.adapter ? { adapter: request.adapter } : {}),
      epochs: outcome.epochsDone,
      images_per_second: outcome.trainSeconds > 0 ? outcome.trainImages / outcome.trainSeconds : meanRecordedSpeed(runDir),
      seconds: outcome.seconds,
      ...(anchorsName ? { anchors: Array.from(finalWeights.get(anchorsName) ?? []) } : {}),
      param_count: paramCount,
      trainable_param_count: trainable,
      spec_hash: specHash,
      seed: settings.seed,
      ...(localization ? { localization: localizationRecord(localization) } : {}),
      phases: phases.record(),
      ...summaryIdentity(identity),
      ...(data.skipped && data.skipped.length > 0 ? { skipped_images: data.skipped.length } : {}),
      ...(settings.weights ? { weights: settings.weights } : {}),
    };
    const figuresStart = performance.now();
    // The attention figures render on the thread pool while the curves are drawn here, and are written after the
    // curves, as when one followed the other: a curves file that cannot be written stops the run before them. Both
    // settle before either error is reported (the model they read is disposed next).
    const rendering =
      images > 0 && ir.taps.attentionMean !== undefined
        ? renderRunAttention(runAttentionFolder(runDir), model, spec, data, {
            selection: { kind: 'range', offset: 0, count: images },
            checkpoint: averaged ? 'end of training (EMA weights)' : 'end of training',
            epoch: outcome.epochsDone,
            baseDir: settings.dataBaseDir ?? dirname(request.specPath),
          })
        : undefined;
    const [attention, curves] = await Promise.allSettled([rendering, drawCurves(runDir, spec.name, reporter)]);
    if (curves.status === 'rejected') throw curves.reason;
    if (attention.status === 'rejected') throw attention.reason;
    if (attention.value) {
      attention.value.write();
      reporter.info(`attention maps: ${attention.value.folder}`);
    }
    phases.add('figures', (performance.now() - figuresStart) / 1000);
    const finished: RunSummary = { ...summary, phases: phases.record() };
    // Last: summary.json is what makes a run finished (sweeps, results, --resume read it), so a kill before
    // this line leaves a run that --resume finishes, and never a "finished" run without its figures.
    writeSummary(runDir, finished);
    return { runDir, summary: finished };
  } finally {
    model.dispose();
  }
}
