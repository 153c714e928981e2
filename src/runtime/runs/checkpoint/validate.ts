/**
 * The one check of a training state against the model it is about to be
 * loaded into, used by every reader (--resume, eval, attention, compile
 * --weights): each parameter present with the number of values its shape
 * needs, no parameter the model lacks, optimizer buffers and EMA shadows that
 * match the parameters they belong to. A checkpoint can pass its checksum and
 * still be for another model (copied from another run, written by an older
 * ibc); that must be a clear error, never a crash inside the executor.
 */
import type { ModelIR } from '../../../compiler/ir/ir.js';
import type { TrainingState } from '../../training/state.js';
import { diagnostic } from '../../../diagnostics/catalog.js';
import { RunError } from '../../../support/errors.js';
import { firstNonFinite, firstNonFiniteInState, formatNonFinite, runningStatistics } from '../../training/divergence.js';

export { firstNonFinite, firstNonFiniteInState };

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/** Why `weights` cannot be the model's parameters, or undefined when they can. */
export function weightsProblem(weights: ReadonlyMap<string, Float32Array>, ir: ModelIR): string | undefined {
  const known = new Set<string>();
  for (const p of ir.params) {
    known.add(p.name);
    const values = weights.get(p.name);
    const expected = sizeOf(p.shape);
    if (!values) return `it has no values for the model's parameter '${p.name}'`;
    if (values.length !== expected) return `parameter '${p.name}' has ${values.length} values, but the model's [${p.shape.join(', ')}] needs ${expected}`;
  }
  for (const name of weights.keys()) if (!known.has(name)) return `it holds a parameter '${name}' that the model does not have`;
  return undefined;
}

/** Buffer keys are '<parameter>#<slot>' (optimizers.ts); each must belong to a trainable parameter and match its size. */
function buffersProblem(kind: string, buffers: Readonly<Record<string, { readonly values: Float32Array }>>, sizes: ReadonlyMap<string, number>): string | undefined {
  for (const [key, buffer] of Object.entries(buffers)) {
    const hash = key.lastIndexOf('#');
    const name = hash < 0 ? key : key.slice(0, hash);
    const size = sizes.get(name);
    if (size === undefined) return `its ${kind} holds '${key}' for a parameter the model does not train`;
    if (buffer.values.length !== size) return `its ${kind} buffer '${key}' has ${buffer.values.length} values, but the parameter has ${size}`;
  }
  return undefined;
}

/** Why `state` cannot be loaded into `ir`, or undefined when it can. */
export function stateProblem(state: TrainingState, ir: ModelIR): string | undefined {
  const weights = weightsProblem(state.weights, ir);
  if (weights) return weights;
  const trainable = new Map(ir.params.filter((p) => p.trainable).map((p) => [p.name, sizeOf(p.shape)] as const));
  const optimizer = buffersProblem('optimizer state', state.optimizer.buffers, trainable);
  if (optimizer) return optimizer;
  if (state.ema) {
    const ema = buffersProblem('weight average (EMA)', state.ema.shadows, new Map(ir.params.map((p) => [p.name, sizeOf(p.shape)] as const)));
    if (ema) return ema;
  }
  return undefined;
}

/** Throws `trainCheckpointMismatch` naming `path` when `state` does not fit `ir`. */
export function requireStateFitsModel(state: TrainingState, ir: ModelIR, path: string): void {
  const problem = stateProblem(state, ir);
  if (problem) throw new RunError(diagnostic('trainCheckpointMismatch', { args: { path, reason: problem } }));
}

/**
 * A training state with NaN or an infinity anywhere is refused where it is
 * loaded, whichever engine would run it (the TF.js executor and the compiled
 * step treat such values differently once running, e.g. a ReLU that turns NaN
 * into 0): training, evaluating or drawing from it computes nothing true.
 */
export function requireFiniteState(state: TrainingState, path: string, ir: ModelIR): void {
  const found = firstNonFiniteInState(state, runningStatistics(ir));
  if (!found) return;
  throw new RunError(diagnostic('checkpointNotFinite', { args: { path, name: found.name, value: formatNonFinite(found.value), index: found.index, count: found.count } }));
}
