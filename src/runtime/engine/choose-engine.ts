/**
 * Which engine runs a run's training steps: the compiled step (ibc-native
 * only: it calls the native kernels directly) or the TF.js executor and
 * optimizer (every backend). `auto` takes the compiled step wherever it can
 * run; `compiled` insists (a RunError naming why not); `tfjs` never takes it.
 * `createTrainingEngine` makes the chosen one: the only place that names both.
 */
import type { ModelIR, TrainingIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { loadAddon, type NativeAddon } from './backends/native/addon.js';
import { compiledStepSupport } from './compiled/compiled-step.js';
import { CompiledEngine } from './compiled/compiled-engine.js';
import { ExecutorEngine } from './executor/executor-engine.js';
import type { EngineName, InitialWeights, TrainingEngine } from './training-engine.js';

export type StepRequest = 'auto' | 'compiled' | 'tfjs';
export const STEP_NAMES: readonly StepRequest[] = ['auto', 'compiled', 'tfjs'];

/** The chosen engine and, for the compiled step, the native kernels it calls; `reason`: one line, why this engine. */
export type StepChoice =
  | { readonly engine: Extract<EngineName, 'compiled'>; readonly kernels: NativeAddon; readonly reason: string }
  | { readonly engine: Extract<EngineName, 'tfjs'>; readonly reason: string };

function obstacle(backend: string, spec: ResolvedSpec, ir: ModelIR): string | { kernels: NativeAddon } {
  if (backend !== 'ibc-native') return `the backend is ${backend}, and the compiled step runs on ibc-native's kernels`;
  if (spec.train.ema !== undefined) return 'the spec keeps an EMA of the weights, which the compiled step does not';
  const unsupported = compiledStepSupport(ir);
  if (unsupported) return unsupported;
  const loaded = loadAddon();
  if (!loaded.ok) return loaded.reason;
  return { kernels: loaded.addon };
}

export function chooseStepEngine(request: StepRequest, backend: string, spec: ResolvedSpec, ir: ModelIR): StepChoice {
  if (request === 'tfjs') return { engine: 'tfjs', reason: 'requested' };
  const found = obstacle(backend, spec, ir);
  if (typeof found !== 'string') return { engine: 'compiled', kernels: found.kernels, reason: request === 'auto' ? 'auto: planned once from the IR, native kernels' : 'requested' };
  if (request === 'compiled') throw new RunError(diagnostic('stepCompiledUnavailable', { args: { reason: found } }));
  return { engine: 'tfjs', reason: `auto: ${found}` };
}

/** The chosen engine for `training`, its parameters starting from `initial`. The caller disposes it. */
export function createTrainingEngine(choice: StepChoice, training: TrainingIR, initial: InitialWeights): TrainingEngine {
  return choice.engine === 'compiled' ? new CompiledEngine(training, choice.kernels, initial) : new ExecutorEngine(training, initial);
}
