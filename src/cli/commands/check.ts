/**
 * `ibc check FILE... [--format text|json] [--shapes]`: every syntax, schema,
 * semantic and shape error of each spec, in one pass. Exit 0 when clean (or
 * warnings only), 1 on errors, 2 on usage errors.
 */
import { parseArgs } from 'node:util';
import { isOverrideArgument } from '../../compiler/spec/overrides.js';
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import { hasErrors, sortAndDedupe, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { checkSpecSet } from '../../compiler/check-set.js';
import { describeLayers, type ModelDescription } from '../../compiler/model/describe.js';
import { nodeFileSystem, specFilesUnder, type FileSystem } from '../../host/file-system.js';
import { displayPath, exitStatusFor, isOutputFormat, printDiagnostics, printUsageError, type OutputFormat } from '../report.js';

const USAGE = `Usage: ibc check FILE|FOLDER... [PATH=VALUE ...] [--format text|json] [--shapes]

Checks .ibspec files: syntax, schema, semantic and shape errors, all in one pass.
A folder means every .ibspec file under it. A file that others of the set extend is
a base: its syntax is checked directly, the rest through the specs that extend it.
PATH=VALUE overrides (e.g. model.attention.beta=0.1) are checked with every file.

  --format text   code frames on stderr (default)
  --format json   a JSON array on stdout: {file, line, column, endLine, endColumn,
                  severity, code, message, suggestion?} per diagnostic
  --shapes        print each model's layers with output shapes and parameter counts

Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage errors.
`;

interface CheckOptions {
  readonly files: readonly string[];
  /** PATH=VALUE overrides, applied to every file. */
  readonly overrides: readonly string[];
  readonly format: OutputFormat;
  readonly shapes: boolean;
}

function parseCheckArgs(args: readonly string[]): CheckOptions | string {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { format: { type: 'string' }, shapes: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
  const format = parsed.values.format ?? 'text';
  if (!isOutputFormat(format)) return `--format must be text or json, got '${format}'`;
  const overrides = parsed.positionals.filter(isOverrideArgument);
  const files = parsed.positionals.filter((p) => !isOverrideArgument(p));
  if (files.length === 0) return 'no files given';
  const shapes = parsed.values.shapes === true;
  if (shapes && format === 'json') return '--shapes prints a table and cannot be combined with --format json';
  return { files, overrides, format, shapes };
}

/** The per-layer table: name, op, output shape, parameters, then the totals. */
export function formatLayerTable(description: ModelDescription): string {
  const header = ['layer', 'op', 'output', 'params'];
  const rows = description.rows.map((r) => [r.name, r.op, r.outputShape.join('x'), r.params.toLocaleString('en-US')]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    `total parameters: ${description.totalParams.toLocaleString('en-US')} (trainable ${description.trainableParams.toLocaleString('en-US')})`,
    '',
  ].join('\n');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function createCheckCommand(fs: FileSystem): Command {
  return {
    name: 'check',
    summary: 'check .ibspec files: every syntax, schema, semantic and shape error',
    usage: USAGE,
    async run(args: readonly string[], io: CliIO): Promise<number> {
      const options = parseCheckArgs(args);
      if (typeof options === 'string') {
        printUsageError(io, 'check', options, USAGE);
        return EXIT_USAGE;
      }
      const sources = new Map<string, string>();
      const all: Diagnostic[] = [];
      const paths: string[] = [];
      for (const file of options.files) {
        const path = resolve(io.cwd, file);
        if (!fs.exists(path)) all.push(diagnostic('missingFile', { args: { path: file } }));
        else if (isDirectory(path)) for (const spec of specFilesUnder(path)) paths.push(spec);
        else paths.push(path);
      }
      for (const { path, extendedBy, result } of checkSpecSet([...new Set(paths)], fs, { sources, overrides: options.overrides })) {
        for (const item of result.diagnostics) all.push(item);
        if (options.format !== 'text') continue;
        if (extendedBy.length > 0) {
          if (!hasErrors(result.diagnostics)) io.stdout(`${displayPath(path, io.cwd)}: base, checked through the ${extendedBy.length === 1 ? 'spec' : `${extendedBy.length} specs`} extending it\n`);
        } else if (result.value) {
          if (options.shapes) io.stdout(`${displayPath(path, io.cwd)}:\n${formatLayerTable(describeLayers(result.value.ir))}`);
          else io.stdout(`${displayPath(path, io.cwd)}: ok\n`);
        }
      }
      // Specs that extend the same base would otherwise report the base's problems once each.
      const unique = sortAndDedupe(all);
      printDiagnostics(unique, io, { format: options.format, sources });
      return exitStatusFor(unique) === EXIT_OK ? EXIT_OK : EXIT_INPUT_ERROR;
    },
  };
}

export const checkCommand: Command = createCheckCommand(nodeFileSystem);
