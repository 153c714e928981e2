/**
 * `ibc fmt FILE... [--check | --write]`: prints, checks or rewrites specs in
 * the canonical layout (grammar/format.ts). Files with syntax errors are not
 * formatted; their diagnostics go to stderr and the exit status is 1.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../../diagnostics/render.js';
import { formatSpec } from '../../grammar/format.js';
import { parseSpec, specSourceText } from '../../grammar/parse.js';
import { nodeFileSystem } from '../../host/file-system.js';

const USAGE = `Usage: ibc fmt FILE... [--check | --write]

Formats .ibspec files in the canonical layout.

  (default)  print the formatted text to stdout
  --check    print the files whose layout would change; exit 1 if there are any
  --write    rewrite the files in place

Files with syntax errors are reported and left unchanged (exit status 1).
`;

type Mode = 'print' | 'check' | 'write';

function parseArgs(args: readonly string[]): { mode: Mode; files: string[] } | string {
  let mode: Mode = 'print';
  const files: string[] = [];
  for (const arg of args) {
    if (arg === '--check' || arg === '--write') {
      const wanted: Mode = arg === '--check' ? 'check' : 'write';
      if (mode !== 'print' && mode !== wanted) return "--check and --write cannot be used together";
      mode = wanted;
    } else if (arg.startsWith('-') && arg !== '-') {
      return `unknown option '${arg}'`;
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0) return 'no files given';
  return { mode, files };
}

/** Writes next to the target, then renames, so a crash never leaves half a spec. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.ibc-fmt-${process.pid}.tmp`;
  writeFileSync(temporary, text, 'utf8');
  renameSync(temporary, path);
}

export const fmtCommand: Command = {
  name: 'fmt',
  summary: 'format .ibspec files (print, --check or --write)',
  usage: USAGE,
  async run(args: readonly string[], io: CliIO): Promise<number> {
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      io.stderr(`ibc fmt: ${parsed}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    const diagnostics: Diagnostic[] = [];
    const sources = new Map<string, string>();
    let status = EXIT_OK;
    for (const file of parsed.files) {
      const path = resolve(io.cwd, file);
      const bytes = nodeFileSystem.readFile(path);
      if (bytes === undefined) {
        const why = nodeFileSystem.whyNotReadable?.(path);
        io.stderr(`ibc fmt: cannot read '${file}'${why ? `: ${why}` : ''}\n`);
        status = EXIT_INPUT_ERROR;
        continue;
      }
      const original = specSourceText(bytes);
      sources.set(file, original);
      const result = parseSpec(bytes, file);
      for (const item of result.diagnostics) diagnostics.push(item);
      if (hasErrors(result.diagnostics) || !result.value) {
        status = EXIT_INPUT_ERROR;
        continue;
      }
      const formatted = formatSpec(result.value);
      if (parsed.mode === 'print') {
        io.stdout(formatted);
      } else if (formatted !== original) {
        io.stdout(`${file}\n`);
        if (parsed.mode === 'check') status = EXIT_INPUT_ERROR;
        else writeAtomically(path, formatted);
      }
    }
    if (diagnostics.length > 0) io.stderr(renderDiagnostics(diagnostics, sources, { color: io.isTTY }));
    return status;
  },
};
