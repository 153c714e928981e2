/** Shared helpers for the spec front-end tests: in-memory files, compact diagnostic views. */
import { memoryFileSystem } from '../../src/host/file-system.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { loadSpec } from '../../src/compiler/spec/load-spec.js';
import { compileSpec } from '../../src/compiler/compile.js';

/** A small valid spec (custom backbone, attention, idx data), one statement per line. */
export const BASE_SPEC = `name small
model {
  input 28x28x1
  classes 10
  backbone custom {
    stage stage1 {
      conv 8 kernel=3
      batchnorm
      relu
      maxpool 2
    }
    stage stage2 {
      conv 16 kernel=3
      relu
      maxpool 2
    }
  }
  attention at=stage1 {
    latent 32
    beta 0.01
  }
}
data idx {
  train images="train-images.gz" labels="train-labels.gz"
  test images="test-images.gz" labels="test-labels.gz"
  validation 0.1
}
train {
  epochs 2
  batch 32
  optimizer sgd lr=0.1 momentum=0.9
}
`;

export function loadText(text: string, extra: Record<string, string> = {}, file = '/specs/main.ibspec') {
  const fs = memoryFileSystem({ [file]: text, ...extra });
  return loadSpec(file, fs);
}

/** `code line:col-endLine:endCol message` — one string per diagnostic, easy to compare. */
export function brief(d: Diagnostic): string {
  const s = d.span;
  const where = s ? `${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}` : '-';
  return `${d.code} ${where} ${d.message}${d.suggestion !== undefined ? ` (did you mean '${d.suggestion}'?)` : ''}`;
}

export function briefs(text: string, extra: Record<string, string> = {}): string[] {
  return loadText(text, extra).diagnostics.map(brief);
}

/** Diagnostics of the whole compile (spec front end, then shapes), as `brief` strings. */
export function compileBriefs(text: string, extra: Record<string, string> = {}, file = '/specs/main.ibspec'): string[] {
  return compileDiagnostics(text, extra, file).map(brief);
}

export function compileDiagnostics(text: string, extra: Record<string, string> = {}, file = '/specs/main.ibspec'): readonly Diagnostic[] {
  const fs = memoryFileSystem({ [file]: text, ...extra });
  return compileSpec(file, fs).diagnostics;
}

/** BASE_SPEC with `from` replaced by `to`; fails loudly when `from` is not in it (a stale test). */
export function mutate(from: string, to: string, text: string = BASE_SPEC): string {
  if (!text.includes(from)) throw new Error(`test bug: '${from}' is not in the spec`);
  return text.replace(from, to);
}
