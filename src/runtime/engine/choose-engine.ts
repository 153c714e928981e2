/**
 * Which engine runs a run's training steps: the compiled step (ibc-native
 * only: it calls the native kernels directly) or the TF.js executor and
 * optimizer (every backend). `auto` takes the compiled step wherever it can
 * run; `compiled` insists (a RunError naming why not); `tfjs` never takes it.
 * A bf16 run (train.precision) needs the compiled step and native bf16
 * kernels: anything else is a RunError (IB6440, IB6441), never a silent fp32 run.
 * `createTrainingEngine` makes the chosen one: the only place that names both.
 */
import type { ModelIR, TrainingIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { loadAddon, type NativeAddon } from './backends/native/addon.js';
import { compiledStepSupport } from './compiled/compiled-step.js';
import { precisionOf, requirePrecision, type Precision } from './precision.js';
import { CompiledEngine } from './compiled/compiled-engine.js';
import { ExecutorEngine } from './executor/executor-engine.js';
import type { EngineName, InitialWeights, TrainingEngine } from './training-engine.js';

export type StepRequest = 'auto' | 'compiled' | 'tfjs';
export const STEP_NAMES: readonly StepRequest[] = ['auto', 'compiled', 'tfjs'];

/**
 * The chosen engine and, for the compiled step, the native kernels it calls; `reason`: one line,
 * why this engine; `precision`: the arithmetic of the run's convolutions and matrix products
 * (chooseStepEngine always says; absent: fp32; only the compiled step runs bf16).
 */
export type StepChoice =
  | { readonly engine: Extract<EngineName, 'compiled'>; readonly kernels: NativeAddon; readonly reason: string; readonly precision?: Precision }
  | { readonly engine: Extract<EngineName, 'tfjs'>; readonly reason: string; readonly precision?: 'fp32' };

/** The precision a choice runs in. */
export function choicePrecision(choice: StepChoice): Precision {
  return choice.precision ?? 'fp32';
}

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
  const precision = precisionOf(spec);
  const tfjs = (reason: string): StepChoice => {
    if (precision !== 'fp32') throw new RunError(diagnostic('precisionNeedsCompiledStep', { args: { reason: request === 'tfjs' ? '--step tfjs asks for the TF.js executor, which computes in float32 only' : reason } }));
    return { engine: 'tfjs', reason, precision: 'fp32' };
  };
  if (request === 'tfjs') return tfjs('requested');
  const found = obstacle(backend, spec, ir);
  if (typeof found !== 'string') {
    requirePrecision(precision, found.kernels);
    return { engine: 'compiled', kernels: found.kernels, reason: request === 'auto' ? 'auto: planned once from the IR, native kernels' : 'requested', precision };
  }
  if (request === 'compiled') throw new RunError(diagnostic('stepCompiledUnavailable', { args: { reason: found } }));
  return precision === 'fp32' ? tfjs(`auto: ${found}`) : tfjs(found);
}

/** The chosen engine for `training`, its parameters starting from `initial`. The caller disposes it. */
export function createTrainingEngine(choice: StepChoice, training: TrainingIR, initial: InitialWeights): TrainingEngine {
  return choice.engine === 'compiled' ? new CompiledEngine(training, choice.kernels, initial, choicePrecision(choice)) : new ExecutorEngine(training, initial);
}
