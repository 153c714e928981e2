/**
 * Which engine runs a run's training steps: the compiled step (ibc-native
 * only: it calls the native kernels directly) or the TF.js executor and
 * optimizer (every backend). `auto` takes the compiled step wherever it can
 * run; `compiled` insists (a RunError naming why not); `tfjs` never takes it.
 */
import type { ModelIR } from '../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { loadAddon, type NativeAddon } from './backends/native/addon.js';
import { compiledStepSupport } from './compiled/compiled-step.js';

export type StepRequest = 'auto' | 'compiled' | 'tfjs';
export const STEP_NAMES: readonly StepRequest[] = ['auto', 'compiled', 'tfjs'];

export interface StepChoice {
  readonly engine: 'compiled' | 'tfjs';
  /** The native kernels the compiled step calls (compiled only). */
  readonly kernels?: NativeAddon;
  /** One line: why this engine. */
  readonly reason: string;
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
  if (request === 'tfjs') return { engine: 'tfjs', reason: 'requested' };
  const found = obstacle(backend, spec, ir);
  if (typeof found !== 'string') return { engine: 'compiled', kernels: found.kernels, reason: request === 'auto' ? 'auto: planned once from the IR, native kernels' : 'requested' };
  if (request === 'compiled') throw new RunError(diagnostic('stepCompiledUnavailable', { args: { reason: found } }));
  return { engine: 'tfjs', reason: `auto: ${found}` };
}
