/**
 * `ibc fmt FILE... [--check | --write]`: prints, checks or rewrites specs in
 * the canonical layout (grammar/format.ts). Files with syntax errors are not
 * formatted; their diagnostics go to stderr and the exit status is 1.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, useColor } from '../command.js';
import { defineCommand } from '../define-command.js';
import { usageError } from '../option-values.js';

type Mode = 'print' | 'check' | 'write';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../../diagnostics/render.js';
import { formatSpec } from '../../grammar/format.js';
import { isRunError } from '../../support/errors.js';
import { parseSpec, specSourceText } from '../../grammar/parse.js';
import { nodeFileSystem } from '../../host/file-system.js';
import { writeTextAtomic } from '../../host/atomic-write.js';

interface FmtOptions {
  readonly check?: boolean;
  readonly write?: boolean;
}

/**
 * Writes next to the target, then renames, so a crash never leaves half a
 * spec; the file keeps its mode (a 0600 spec stays 0600), and a symbolic link
 * keeps pointing at the spec it names (the file it leads to is rewritten).
 */
function writeAtomically(path: string, text: string): void {
  writeTextAtomic(nodeFileSystem.realPath?.(path) ?? path, text);
}

export const fmtCommand: Command = defineCommand<FmtOptions>({
  name: 'fmt',
  summary: 'format .ibspec files (print, --check or --write)',
  description: 'Formats .ibspec files in the canonical layout; without options, prints the formatted text to stdout.',
  arguments: [{ name: 'FILE', description: 'the specs to format', variadic: true }],
  options: [
    { flags: '--check', description: 'print the files whose layout would change; exit 1 if there are any' },
    { flags: '--write', description: 'rewrite the files in place' },
  ],
  epilog: 'Files with syntax errors are reported and left unchanged (exit status 1).',
  async run({ args, options }, io) {
    if (options.check && options.write) usageError('--check and --write cannot be used together');
    const mode: Mode = options.check ? 'check' : options.write ? 'write' : 'print';
    const diagnostics: Diagnostic[] = [];
    const sources = new Map<string, string>();
    let status = EXIT_OK;
    for (const file of args) {
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
      if (mode === 'print') {
        io.stdout(formatted);
      } else if (formatted !== original) {
        io.stdout(`${file}\n`);
        if (mode === 'check') status = EXIT_INPUT_ERROR;
        else {
          try {
            writeAtomically(path, formatted);
          } catch (error) {
            io.stderr(`ibc fmt: cannot write '${file}': ${isRunError(error) ? error.diagnostic.message : String(error)}\n`);
            status = EXIT_INPUT_ERROR;
          }
        }
      }
    }
    if (diagnostics.length > 0) io.stderr(renderDiagnostics(diagnostics, sources, { color: useColor(io) }));
    return status;
  },
});
