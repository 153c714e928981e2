/**
 * Printing diagnostics for the CLI, shared by the commands: `--format text`
 * renders code frames on stderr (colours only on a terminal), `--format json`
 * prints one JSON array on stdout. File names are shown relative to the
 * working directory when they lie inside it.
 */
import { isAbsolute, relative } from 'node:path';
import type { CliIO } from './command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, useColor } from './command.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { diagnosticsToJson, renderDiagnostics } from '../diagnostics/render.js';

export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/** The path to show for `file`: relative to `cwd` when inside it, else as is. */
export function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function displaySpan(span: Span, cwd: string): Span {
  return { ...span, file: displayPath(span.file, cwd) };
}

/** The same diagnostics with every file name (related ones too) as `displayPath` shows it. */
export function forDisplay(diagnostics: readonly Diagnostic[], cwd: string): Diagnostic[] {
  return diagnostics.map((d) => ({
    ...d,
    ...(d.span ? { span: displaySpan(d.span, cwd) } : {}),
    ...(d.related ? { related: d.related.map((r) => ({ ...r, span: displaySpan(r.span, cwd) })) } : {}),
  }));
}

/** Rekeys a path -> text map the way `forDisplay` renames files. */
function displaySources(sources: ReadonlyMap<string, string>, cwd: string): Map<string, string> {
  return new Map([...sources].map(([file, text]) => [displayPath(file, cwd), text]));
}

/**
 * Prints `diagnostics`: text on stderr (nothing when there are none), or the
 * JSON array on stdout (always, `[]` when there are none).
 */
export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  io: CliIO,
  options: { readonly format: OutputFormat; readonly sources: ReadonlyMap<string, string> },
): void {
  const shown = forDisplay(diagnostics, io.cwd);
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(diagnosticsToJson(shown), null, 2)}\n`);
    return;
  }
  if (shown.length > 0) io.stderr(renderDiagnostics(shown, displaySources(options.sources, io.cwd), { color: useColor(io) }));
}

/** 1 when any diagnostic is an error, else 0 (warnings and notes do not fail a command). */
export function exitStatusFor(diagnostics: readonly Diagnostic[]): number {
  return hasErrors(diagnostics) ? EXIT_INPUT_ERROR : EXIT_OK;
}
