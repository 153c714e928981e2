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
import { buildModel } from './model/build-model.js';
import type { ResolvedSpec } from './spec/resolved-spec.js';
import { loadSpec, type LoadSpecOptions } from './spec/load-spec.js';

export interface CompiledSpec {
  readonly spec: ResolvedSpec;
  readonly ir: ModelIR;
}

export function compileSpec(path: string, fs: FileSystem, options: LoadSpecOptions = {}): Result<CompiledSpec> {
  const loaded = loadSpec(path, fs, options);
  if (!loaded.value) return { value: undefined, diagnostics: loaded.diagnostics };
  return compileResolved(loaded.value, loaded.diagnostics);
}

/** Builds the model of an already resolved spec (a sweep member, a spec made in code). */
export function compileResolved(spec: ResolvedSpec, earlier: Result<unknown>['diagnostics'] = []): Result<CompiledSpec> {
  const built = buildGuarded(spec);
  const diagnostics = sortAndDedupe([...earlier, ...built.diagnostics]);
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
