/**
 * `ibc expand FILE [--out DIR] [--format text|json]`: the members of a spec's
 * sweep. Without --out, lists each member's name and overrides; with --out,
 * writes each member as an .ibspec file that extends FILE and sets the swept
 * values (real spec text: `ibc check` and `ibc train` accept it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { jsonToSpecText } from '../../compiler/spec/ast-values.js';
import { loadSweep } from '../../compiler/spec/load-spec.js';
import { memberSpecText, type SweepMember } from '../../compiler/spec/sweep.js';
import { isOverrideArgument, overridesAsSpecLines } from '../../compiler/spec/overrides.js';
import { nodeFileSystem, type FileSystem } from '../../host/file-system.js';
import { displayPath, isOutputFormat, printDiagnostics, printUsageError, type OutputFormat } from '../report.js';

const USAGE = `Usage: ibc expand FILE [PATH=VALUE ...] [--out DIR] [--format text|json]

Expands the sweep of FILE into its members (the cartesian product of the
swept values, zipped lists and seed repeats), each named <name>--<key>=<value>...
PATH=VALUE overrides (e.g. train.epochs=1) apply to every member.

  (default)       list the members and their overrides
  --format json   list them as JSON: [{"name": ..., "overrides": {"model.attention.beta": 0.01}}]
  --out DIR       write each member as DIR/<member>.ibspec (it extends FILE)

Diagnostics go to stderr. Exit status: 0 success, 1 errors in the spec, 2 usage errors.
`;

interface ExpandOptions {
  readonly file: string;
  readonly overrides: readonly string[];
  readonly out?: string;
  readonly format: OutputFormat;
}

function parseExpandArgs(args: readonly string[]): ExpandOptions | string {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { out: { type: 'string' }, format: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
  const format = parsed.values.format ?? 'text';
  if (!isOutputFormat(format)) return `--format must be text or json, got '${format}'`;
  const files = parsed.positionals.filter((p) => !isOverrideArgument(p));
  if (files.length !== 1) return files.length === 0 ? 'no file given' : `expected one FILE, got ${files.length}`;
  return { file: files[0], overrides: parsed.positionals.filter(isOverrideArgument), format, ...(parsed.values.out !== undefined ? { out: parsed.values.out } : {}) };
}

/** A member's file name: its name with anything unsafe in a file name replaced. */
export function memberFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._=+,-]/g, '_')}.ibspec`;
}

function listText(members: readonly SweepMember[]): string {
  return members.map((m) => `${m.name}  ${m.overrides.map((o) => `${o.path}=${jsonToSpecText(o.value)}`).join(' ')}\n`).join('');
}

function listJson(members: readonly SweepMember[]): string {
  const rows = members.map((m) => ({ name: m.name, overrides: Object.fromEntries(m.overrides.map((o) => [o.path, o.value])) }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

function writeMembers(members: readonly SweepMember[], specPath: string, outDir: string, overrides: readonly string[], io: CliIO): void {
  mkdirSync(outDir, { recursive: true });
  const extendsPath = relative(outDir, specPath).split(sep).join('/');
  for (const member of members) {
    const target = join(outDir, memberFileName(member.name));
    writeFileSync(target, memberSpecText(member, extendsPath, extendsPath, overridesAsSpecLines(overrides)), 'utf8');
    io.stdout(`${displayPath(target, io.cwd)}\n`);
  }
}

export function createExpandCommand(fs: FileSystem): Command {
  return {
    name: 'expand',
    summary: "expand a spec's sweep into its members (list them, or write one .ibspec each)",
    usage: USAGE,
    async run(args: readonly string[], io: CliIO): Promise<number> {
      const options = parseExpandArgs(args);
      if (typeof options === 'string') {
        printUsageError(io, 'expand', options, USAGE);
        return EXIT_USAGE;
      }
      const specPath = resolve(io.cwd, options.file);
      const sources = new Map<string, string>();
      const result = fs.exists(specPath) ? loadSweep(specPath, fs, { sources, overrides: options.overrides }) : { value: undefined, diagnostics: [diagnostic('missingFile', { args: { path: options.file } })] };
      printDiagnostics(result.diagnostics, io, { format: 'text', sources });
      if (hasErrors(result.diagnostics) || !result.value) return EXIT_INPUT_ERROR;
      const members = result.value;
      if (members.length === 0) {
        io.stderr(`${options.file} has no sweep: nothing to expand\n`);
        if (options.format === 'json') io.stdout('[]\n');
        return EXIT_OK;
      }
      if (options.out !== undefined) writeMembers(members, specPath, resolve(io.cwd, options.out), options.overrides, io);
      else io.stdout(options.format === 'json' ? listJson(members) : listText(members));
      return EXIT_OK;
    },
  };
}

export const expandCommand: Command = createExpandCommand(nodeFileSystem);
