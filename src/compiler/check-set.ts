/**
 * Checking a set of spec files at once (`ibc check specs/`). A file that other
 * files of the set extend is a base. A complete base is checked like any spec;
 * a partial one (no classes, no backbone: it is not an experiment on its own)
 * has its syntax checked directly and everything else through the specs that
 * extend it, whose diagnostics point into the base where the base is at fault.
 */
import type { Result } from '../diagnostics/diagnostic.js';
import { sortAndDedupe } from '../diagnostics/diagnostic.js';
import type { FileSystem } from '../host/file-system.js';
import { compileSpec, type CompiledSpec } from './compile.js';
import { loadDocument } from './spec/extends.js';
import type { LoadSpecOptions } from './spec/load-spec.js';

export interface SpecCheck {
  readonly path: string;
  /** For a partial base, the files of the set that extend it; empty for a spec checked as a whole. */
  readonly extendedBy: readonly string[];
  /** For a partial base: only what reading it found (syntax, its own `extends`); its value is then undefined. */
  readonly result: Result<CompiledSpec>;
}

export function checkSpecSet(paths: readonly string[], fs: FileSystem, options: LoadSpecOptions = {}): SpecCheck[] {
  const sources = options.sources ?? new Map<string, string>();
  const loaded = new Map(paths.map((path) => [path, loadDocument(path, fs, sources)] as const));
  const extendedBy = new Map<string, string[]>();
  for (const [path, result] of loaded) {
    for (const base of result.value?.bases ?? []) {
      if (!loaded.has(base)) continue;
      extendedBy.set(base, [...(extendedBy.get(base) ?? []), path]);
    }
  }
  return paths.map((path) => {
    const whole = compileSpec(path, fs, { sources, ...(options.overrides ? { overrides: options.overrides } : {}), ...(options.sweeps !== undefined ? { sweeps: options.sweeps } : {}) });
    const extenders = extendedBy.get(path) ?? [];
    if (whole.value || extenders.length === 0) return { path, extendedBy: [], result: whole };
    const read = loaded.get(path);
    return { path, extendedBy: extenders, result: { value: undefined, diagnostics: sortAndDedupe(read?.diagnostics ?? []) } };
  });
}
