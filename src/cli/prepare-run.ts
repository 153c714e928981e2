/**
 * What the commands that run a model (train, bench, eval, attention) do
 * before the work starts: compile the spec with its diagnostics printed, and
 * choose the backend with the choice and its reason printed.
 */
import type { CliIO } from './command.js';
import { useColor } from './command.js';
import { formatRunDiagnostic } from './run-errors.js';
import { compileSpec } from '../compiler/compile.js';
import { checkResourcesWith, currentMachine, type RunOptions } from '../compiler/resources/check-resources.js';
import { diagnostic } from '../diagnostics/catalog.js';
import { RunError } from '../support/errors.js';
import type { ModelIR } from '../compiler/ir/ir.js';
import type { ResolvedSpec } from '../compiler/spec/resolved-spec.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../diagnostics/render.js';
import { nodeFileSystem, specTextForFrames } from '../host/file-system.js';
import { selectBackend, type BackendChoice, type BackendRequest } from '../runtime/engine/backends/select.js';
import { formatAdapter } from '../runtime/engine/backends/webgpu/adapter.js';

/** Reads every file a diagnostic points into, for code frames. */
export function sourcesOf(diagnostics: readonly Diagnostic[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const d of diagnostics) {
    const file = d.span?.file;
    if (!file || sources.has(file)) continue;
    const text = specTextForFrames(file);
    if (text !== undefined) sources.set(file, text);
  }
  return sources;
}

/** Compiles a spec with its key.path=value overrides; prints its diagnostics (warnings too). Undefined when it has errors. */
export function compileForRun(path: string, io: CliIO, overrides: readonly string[] = []): { spec: ResolvedSpec; ir: ModelIR } | undefined {
  const sources = new Map<string, string>();
  // A run that cannot fit this machine's memory is refused before it allocates anything.
  const result = compileSpec(path, nodeFileSystem, { sources, overrides, machine: currentMachine(true) });
  if (result.diagnostics.length > 0) io.stderr(renderDiagnostics(result.diagnostics, new Map([...sourcesOf(result.diagnostics), ...sources]), { color: useColor(io) }));
  if (hasErrors(result.diagnostics) || !result.value) return undefined;
  return result.value;
}

/**
 * A command's numeric options (ibc eval --samples, ibc bench --batch) go
 * through the spec's own resource estimate on the run they ask for: an
 * impossible one is a located refusal naming the option, before anything is
 * allocated, never a crash deep in a kernel.
 */
export function requireOptionResources(spec: ResolvedSpec, ir: ModelIR, options: RunOptions, option: string): void {
  const problem = checkResourcesWith(spec, ir, options).find((d) => d.severity === 'error');
  if (problem) throw new RunError(diagnostic('optionResources', { args: { option, code: problem.code, detail: problem.message } }));
}

export async function chooseBackend(request: BackendRequest, io: CliIO): Promise<BackendChoice> {
  const choice = await selectBackend(request);
  io.stderr(`backend: ${choice.name} (${choice.reason})${choice.adapter ? ` on ${formatAdapter(choice.adapter)}` : ''}\n`);
  for (const w of choice.warnings) io.stderr(formatRunDiagnostic(w));
  return choice;
}
