/**
 * Reopening a finished (or interrupted) run for `ibc eval` and `ibc attention`:
 * its resolved spec, the model built from it, a checkpoint's weights, and the
 * test data the run used.
 */
import { parseJson, readText } from '../../host/read-file.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import type { ModelIR } from '../../compiler/ir/ir.js';
import { compileResolved } from '../../compiler/compile.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { loadDataset, type Dataset, type ImageLoadOptions } from '../data/index.js';
import { createTfjsModel, type TfjsModel } from '../engine/executor/tfjs-model.js';
import { resolveInsideRunDir } from './run-dir.js';
import { loadRunState, requireRunDir, type CheckpointChoice } from './resume.js';
import type { TrainingState } from '../training/state.js';

export interface OpenedRun {
  readonly spec: ResolvedSpec;
  readonly ir: ModelIR;
  readonly state: TrainingState;
  readonly checkpointPath: string;
}

export function openRun(runDir: string, which: CheckpointChoice, hashSpec: (spec: ResolvedSpec) => string): OpenedRun {
  requireRunDir(runDir);
  const specPath = resolveInsideRunDir(runDir, 'resolved-spec.json');
  const notARun = (reason: string): RunError => new RunError(diagnostic('trainRunDirMissing', { args: { path: runDir, reason } }));
  const text = readText('record', specPath, (problem) =>
    notARun(problem.kind === 'missing' ? 'it has no resolved-spec.json (ibc train writes one)' : `resolved-spec.json is unreadable (${problem.reason})`),
  );
  const spec = parseJson(text, (reason) => notARun(`resolved-spec.json is unreadable (${reason})`)) as ResolvedSpec;
  const built = compileResolved(spec);
  if (hasErrors(built.diagnostics) || !built.value) {
    const first = built.diagnostics.find((d) => d.severity === 'error');
    throw new RunError(diagnostic('trainRunDirMissing', { args: { path: runDir, reason: `its resolved-spec.json does not describe a model this ibc can build (${first?.code}: ${first?.message})` } }));
  }
  const { state, path } = loadRunState(runDir, which, built.value.ir);
  const expected = hashSpec(spec);
  if (state.specHash !== expected) {
    throw new RunError(diagnostic('trainCheckpointMismatch', { args: { path, reason: `it was written for spec hash ${state.specHash}, the run's resolved-spec.json hashes to ${expected}: it is not a checkpoint of ${runDir}` } }));
  }
  return { spec, ir: built.value.ir, state, checkpointPath: path };
}

/**
 * The weights a run's checkpoint holds for inference: with the EMA's averaged
 * weights in place of the raw ones when the run kept an EMA (what training evaluated).
 */
export function runWeights(state: TrainingState): { weights: Map<string, Float32Array>; averaged: boolean } {
  const weights = new Map(state.weights);
  const shadows = state.ema?.shadows;
  if (shadows) for (const [name, s] of Object.entries(shadows)) weights.set(name, s.values);
  return { weights, averaged: shadows !== undefined };
}

/** The model with the checkpoint's inference weights (`runWeights`). */
export function modelFromState(run: OpenedRun): TfjsModel {
  return createTfjsModel(run.ir, runWeights(run.state).weights);
}

/** The run's test data as it trained on it (the training split empty for folder data); `images`: how folder data is cached and held here (the run does not record that). */
export function loadRunData(run: OpenedRun, limitTest?: number, images?: ImageLoadOptions): Promise<Dataset> {
  const s = run.state.settings;
  const limit = limitTest ?? s.limitTest;
  return loadDataset(run.spec.data, {
    seed: s.seed,
    ...(s.limitTrain !== undefined ? { limitTrain: s.limitTrain } : {}),
    ...(s.limitValidation !== undefined ? { limitValidation: s.limitValidation } : {}),
    ...(limit !== undefined ? { limitTest: limit } : {}),
    input: run.spec.model.input,
    classes: run.spec.model.classes,
    ...(s.dataBaseDir !== undefined ? { baseDir: s.dataBaseDir } : {}),
    ...(images !== undefined ? { images } : {}),
    // eval and attention read the test images only: a folder's training images are not decoded for them.
    testOnly: true,
  });
}
