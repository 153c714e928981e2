/**
 * Spec file -> resolved spec + model IR. Shape inference (IB4xxx) runs once
 * the spec itself is free of errors: a spec with syntax, schema or semantic
 * errors has no sound model to infer shapes for.
 */
import type { Result } from '../diagnostics/diagnostic.js';
import { hasErrors, sortAndDedupe } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { FileSystem } from '../host/file-system.js';
import type { ModelIR } from './ir/ir.js';
import { buildModel } from './network/build-model.js';
import type { ResolvedSpec } from './spec/resolved-spec.js';
import { loadSpec, type LoadSpecOptions } from './spec/load-spec.js';
import { checkResources, currentMachine, type MachineLimits } from './resources/check-resources.js';

export interface CompiledSpec {
  readonly spec: ResolvedSpec;
  readonly ir: ModelIR;
}

export interface CompileOptions extends LoadSpecOptions {
  /** What the resource check measures the model against (default: this machine). */
  readonly machine?: MachineLimits;
}

export function compileSpec(path: string, fs: FileSystem, options: CompileOptions = {}): Result<CompiledSpec> {
  const loaded = loadSpec(path, fs, options);
  if (!loaded.value) return { value: undefined, diagnostics: loaded.diagnostics };
  return compileResolved(loaded.value, loaded.diagnostics, options.machine);
}

/**
 * Builds the model of an already resolved spec (a sweep member, a spec made in
 * code) and checks that it fits `machine`, so that training never reaches an
 * allocation that fails.
 */
export function compileResolved(spec: ResolvedSpec, earlier: Result<unknown>['diagnostics'] = [], machine: MachineLimits = currentMachine()): Result<CompiledSpec> {
  const built = buildGuarded(spec);
  const resources = built.value && !hasErrors(built.diagnostics) ? checkResources(spec, built.value, machine) : [];
  const diagnostics = sortAndDedupe([...earlier, ...built.diagnostics, ...resources]);
  if (!built.value || hasErrors(diagnostics)) return { value: undefined, diagnostics };
  return { value: { spec, ir: built.value }, diagnostics };
}

/** A crash in the model builder is a bug in ibc: reported as an internal error, never as a stack trace. */
function buildGuarded(spec: ResolvedSpec): Result<ModelIR> {
  try {
    return buildModel(spec);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { value: undefined, diagnostics: [diagnostic('internalError', { args: { stage: 'model builder', detail } })] };
  }
}
