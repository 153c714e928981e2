/**
 * TrainingState <-> checkpoint file. Tensors are named by kind
 * ("weights/...", "optimizer/...", "ema/..."); the rest (epoch, step, random
 * states, spec hash, settings) is the checkpoint's JSON metadata. Loading for
 * a resume checks everything it can and turns every problem into a RunError:
 * a run never silently starts fresh.
 */
import { existsSync, statSync } from 'node:fs';
import { parseJson, readText } from '../../host/read-file.js';
import { join } from 'node:path';
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { requireFiniteState, requireStateFitsModel } from './checkpoint/validate.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointTensor } from './checkpoint/index.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import type { RandomState } from '../../support/random.js';
import type { OptimizerState } from '../engine/training-engine.js';

import type { TrainingState, RunSettings, BestScore, EpochProgress, EarlyStopState } from '../training/state.js';

const STATE_FORMAT = 'ibc-training-state';
/**
 * Version 2 adds `inEpoch` (a checkpoint written inside an epoch). Epoch-end checkpoints are still
 * written as version 1, so an older ibc reads them; it refuses a mid-epoch one rather than resume
 * it at the wrong place.
 */
const STATE_VERSION = 2;
const EPOCH_END_VERSION = 1;

interface StateMeta {
  readonly format: string;
  readonly version: number;
  readonly specHash: string;
  readonly epoch: number;
  readonly step: number;
  readonly optimizer: { readonly kind: 'sgd' | 'adam'; readonly step: number };
  readonly ema: { readonly decay: number } | null;
  readonly random: { readonly shuffle: RandomState; readonly noise: RandomState };
  readonly best: BestScore | null;
  /** Absent in checkpoints written before early stopping existed. */
  readonly earlyStop?: EarlyStopState | null;
  readonly settings: RunSettings;
  readonly backend: string;
  readonly inEpoch?: EpochProgress;
}

export function checkpointPaths(runDir: string): { last: string; best: string; folder: string } {
  const folder = join(runDir, 'checkpoints');
  return { folder, last: join(folder, 'last.ibck'), best: join(folder, 'best.ibck') };
}

/** `shapes` gives each weight its parameter shape (flat when absent); restoring only needs the values. */
export function stateToCheckpoint(state: TrainingState, shapes?: ReadonlyMap<string, readonly number[]>): Checkpoint {
  const tensors = new Map<string, CheckpointTensor>();
  for (const [name, data] of state.weights) tensors.set(`weights/${name}`, { shape: [...(shapes?.get(name) ?? [data.length])], data });
  for (const [key, b] of Object.entries(state.optimizer.buffers)) tensors.set(`optimizer/${key}`, { shape: [...b.shape], data: b.values });
  if (state.ema) for (const [name, s] of Object.entries(state.ema.shadows)) tensors.set(`ema/${name}`, { shape: [...s.shape], data: s.values });
  const meta: StateMeta = {
    format: STATE_FORMAT,
    version: state.inEpoch ? STATE_VERSION : EPOCH_END_VERSION,
    specHash: state.specHash,
    epoch: state.epoch,
    step: state.step,
    optimizer: { kind: state.optimizer.kind, step: state.optimizer.step },
    ema: state.ema ? { decay: state.ema.decay } : null,
    random: state.random,
    best: state.best ?? null,
    earlyStop: state.earlyStop ?? null,
    settings: state.settings,
    backend: state.backend,
    ...(state.inEpoch ? { inEpoch: state.inEpoch } : {}),
  };
  return { tensors, meta };
}

export function writeTrainingState(path: string, state: TrainingState, shapes?: ReadonlyMap<string, readonly number[]>): void {
  writeCheckpoint(path, stateToCheckpoint(state, shapes));
}

function isRandomState(x: unknown): x is RandomState {
  return Array.isArray(x) && x.length === 4 && x.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function isEpochProgress(x: unknown): x is EpochProgress {
  if (!x || typeof x !== 'object') return false;
  const p = x as Partial<EpochProgress>;
  const sums = p.sums as Record<string, unknown> | undefined;
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  return isCount(p.batches) && finite(p.seconds) && !!sums && ['total', 'ce', 'kl', 'vq', 'commit', 'correct', 'seen'].every((k) => finite(sums[k]));
}

/** Why the metadata is not a training state, or undefined when it is one. */
function metaProblem(meta: unknown): string | undefined {
  if (!meta || typeof meta !== 'object') return 'it has no training metadata';
  const m = meta as Partial<StateMeta>;
  if (m.format !== STATE_FORMAT) return `it is not a training checkpoint (format '${String(m.format)}')`;
  if (m.version !== STATE_VERSION && m.version !== EPOCH_END_VERSION) return `training-state version ${String(m.version)} is not supported (this ibc reads version ${STATE_VERSION})`;
  if (typeof m.specHash !== 'string') return 'the spec hash is missing';
  if (!isCount(m.epoch) || !isCount(m.step)) return 'the epoch or step count is missing';
  if (!m.optimizer || (m.optimizer.kind !== 'sgd' && m.optimizer.kind !== 'adam') || !isCount(m.optimizer.step)) return 'the optimizer state is missing';
  if (!m.random || !isRandomState(m.random.shuffle) || !isRandomState(m.random.noise)) return 'the random-number states are missing';
  if (!m.settings || !isCount(m.settings.seed) || !isCount(m.settings.epochs)) return 'the run settings are missing';
  if (m.inEpoch !== undefined && !isEpochProgress(m.inEpoch)) return 'its place inside the epoch (inEpoch) is malformed';
  return undefined;
}

/** Rebuilds a TrainingState from a checkpoint already read; `describe` names the file in errors. */
export function checkpointToState(checkpoint: Checkpoint, onProblem: (reason: string) => RunError): TrainingState {
  const problem = metaProblem(checkpoint.meta);
  if (problem) throw onProblem(problem);
  const meta = checkpoint.meta as StateMeta;
  const weights = new Map<string, Float32Array>();
  const buffers: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
  const shadows: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
  for (const [key, t] of checkpoint.tensors) {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (kind === 'weights') weights.set(name, t.data);
    else if (kind === 'optimizer') buffers[name] = { shape: t.shape, values: t.data };
    else if (kind === 'ema') shadows[name] = { shape: t.shape, values: t.data };
    else throw onProblem(`unexpected tensor '${key}'`);
  }
  const optimizer: OptimizerState = { kind: meta.optimizer.kind, step: meta.optimizer.step, buffers };
  return {
    specHash: meta.specHash,
    epoch: meta.epoch,
    step: meta.step,
    weights,
    optimizer,
    ...(meta.ema ? { ema: { decay: meta.ema.decay, shadows } } : {}),
    random: meta.random,
    ...(meta.best ? { best: meta.best } : {}),
    ...(meta.earlyStop ? { earlyStop: meta.earlyStop } : {}),
    settings: meta.settings,
    backend: meta.backend,
    ...(meta.inEpoch ? { inEpoch: meta.inEpoch } : {}),
  };
}

/** The run folder must exist and be a folder. */
export function requireRunDir(runDir: string): void {
  let isDir = false;
  try {
    isDir = statSync(runDir).isDirectory();
  } catch {
    throw new RunError(diagnostic('trainRunDirMissing', { args: { path: runDir, reason: 'it does not exist' } }));
  }
  if (!isDir) throw new RunError(diagnostic('trainRunDirMissing', { args: { path: runDir, reason: 'it is a file, not a folder' } }));
}

/** Reads `checkpoints/last.ibck` of a run for `--resume`, with resume-specific messages, and checks it fits `ir`. */
export function loadResumeState(runDir: string, ir: ModelIR): TrainingState {
  requireRunDir(runDir);
  const { last } = checkpointPaths(runDir);
  if (!existsSync(last)) throw new RunError(diagnostic('resumeCheckpointMissing', { args: { path: runDir, checkpoint: last } }));
  let checkpoint: Checkpoint;
  try {
    checkpoint = readCheckpoint(last);
  } catch (error) {
    if (error instanceof RunError) {
      throw new RunError(diagnostic('resumeCheckpointCorrupt', { args: { path: runDir, reason: error.diagnostic.message } }));
    }
    throw error;
  }
  const state = checkpointToState(checkpoint, (reason) => new RunError(diagnostic('resumeCheckpointCorrupt', { args: { path: runDir, reason: `${last}: ${reason}` } })));
  requireStateFitsModel(state, ir, last);
  // Before either training engine sees it: both refuse a diverged state the same way.
  requireFiniteState(state, last, ir);
  return state;
}

function resumeMismatch(runDir: string, reason: string): RunError {
  return new RunError(diagnostic('resumeRunMismatch', { args: { path: runDir, reason } }));
}

/**
 * The checkpoint must be this run's: the run directory's spec-hash.txt and
 * resolved-spec.json (seed included) must name the checkpoint's spec hash, the
 * optimizer must be the spec's with its state present, and the step counts
 * must agree. A checkpoint copied from another run, or a run directory edited
 * by hand, is refused with the reason; resuming it would mix two runs.
 */
export function requireResumeFitsRun(runDir: string, state: TrainingState, spec: ResolvedSpec, hashSpec: (spec: ResolvedSpec) => string): void {
  const { last } = checkpointPaths(runDir);
  const readRunFile = (name: string, what: string): string =>
    readText('record', join(runDir, name), (problem) =>
      resumeMismatch(runDir, `its ${name} is missing or unreadable (${what}${problem.kind === 'missing' ? '' : `; ${problem.reason}`}), so the checkpoint cannot be matched to the run`),
    );
  const recordedHash = readRunFile('spec-hash.txt', 'the hash of the spec the run started with').trim();
  if (recordedHash !== state.specHash) {
    throw resumeMismatch(runDir, `${last} was written for spec hash ${state.specHash.slice(0, 12)}..., but the run's spec-hash.txt says ${recordedHash.slice(0, 12) || '(empty)'}...: the checkpoint belongs to another run`);
  }
  const resolved = parseJson(readRunFile('resolved-spec.json', 'the spec the run started with'), (reason) =>
    resumeMismatch(runDir, `its resolved-spec.json is not valid: ${reason} (was it edited?)`),
  ) as ResolvedSpec;
  const runSeed = (resolved as { train?: { seed?: unknown } }).train?.seed;
  if (runSeed !== state.settings.seed) {
    throw resumeMismatch(runDir, `${last} was trained with seed ${state.settings.seed}, but the run's resolved-spec.json says seed ${String(runSeed)}: the checkpoint belongs to another run`);
  }
  let resolvedHash: string;
  try {
    resolvedHash = hashSpec(resolved);
  } catch {
    resolvedHash = '(unreadable)';
  }
  if (resolvedHash !== state.specHash) {
    throw resumeMismatch(runDir, `its resolved-spec.json hashes to ${resolvedHash.slice(0, 12)}..., not to the checkpoint's ${state.specHash.slice(0, 12)}...: it was altered or belongs to another run`);
  }
  const optimizer = spec.train.optimizer;
  if (state.optimizer.kind !== optimizer.kind) {
    throw resumeMismatch(runDir, `${last} holds ${state.optimizer.kind} optimizer state, but the spec trains with ${optimizer.kind}`);
  }
  if (state.optimizer.step !== state.step) {
    throw resumeMismatch(runDir, `${last} records ${state.step} training steps but its optimizer has taken ${state.optimizer.step}`);
  }
  if (state.step < state.epoch) {
    throw resumeMismatch(runDir, `${last} records ${state.epoch} completed epochs in only ${state.step} steps`);
  }
  const keepsBuffers = optimizer.kind === 'adam' || optimizer.momentum > 0;
  if (keepsBuffers && state.step > 0 && Object.keys(state.optimizer.buffers).length === 0) {
    const what = optimizer.kind === 'adam' ? "Adam's moment estimates" : 'the momentum buffers';
    throw resumeMismatch(runDir, `${last} has no optimizer state (${what}) after ${state.step} steps; resuming would restart the optimizer from zero and not continue the run`);
  }
  if (spec.train.ema !== undefined && !state.ema) {
    throw resumeMismatch(runDir, `the spec keeps an exponential moving average of the weights, but ${last} has none`);
  }
}

/** Which checkpoint of a run a command reads: `--checkpoint last|best|PATH`. */
export type CheckpointChoice = 'last' | 'best' | { readonly path: string };

/** How a choice reads in messages and records: 'last', 'best' or the file's path. */
export function checkpointLabel(choice: CheckpointChoice): string {
  return typeof choice === 'string' ? choice : choice.path;
}

/**
 * Reads a run's checkpoint (`last`, `best`, or a file named by path: one the run wrote, or a
 * copy of one) for eval, attention and compile, and checks it fits `ir`; callers check that it
 * belongs to the run (its spec hash, openRun).
 */
export function loadRunState(runDir: string, which: CheckpointChoice, ir: ModelIR): { state: TrainingState; path: string } {
  requireRunDir(runDir);
  const path = typeof which === 'string' ? checkpointPaths(runDir)[which] : which.path;
  if (!existsSync(path)) {
    const hint =
      which === 'best' ? ' (best.ibck exists only for runs with a validation split)' : which === 'last' ? ' (a run writes it after its first completed epoch)' : ` (the run's own are in ${checkpointPaths(runDir).folder})`;
    throw new RunError(diagnostic('trainCheckpointMissing', { args: { path, hint } }));
  }
  const checkpoint = readCheckpoint(path);
  const state = checkpointToState(checkpoint, (reason) => new RunError(diagnostic('trainCheckpointMismatch', { args: { path, reason } })));
  requireStateFitsModel(state, ir, path);
  return { state, path };
}
