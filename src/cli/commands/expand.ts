/**
 * `ibc expand FILE [--out DIR] [--format text|json]`: the members of a spec's
 * sweep. Without --out, lists each member's name and overrides; with --out,
 * writes each member as an .ibspec file that extends FILE and sets the swept
 * values (real spec text: `ibc check` and `ibc train` accept it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { parseFormat } from '../option-values.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { jsonToSpecText } from '../../compiler/spec/ast-values.js';
import { loadSweep } from '../../compiler/spec/load-spec.js';
import { memberSpecText, type SweepMember } from '../../compiler/spec/sweep.js';
import { nodeFileSystem, type FileSystem } from '../../host/file-system.js';
import { displayPath, printDiagnostics, type OutputFormat } from '../report.js';

interface ExpandOptions {
  readonly out?: string;
  readonly format?: OutputFormat;
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

function writeMembers(members: readonly SweepMember[], specPath: string, outDir: string, io: CliIO): void {
  mkdirSync(outDir, { recursive: true });
  const extendsPath = relative(outDir, specPath).split(sep).join('/');
  for (const member of members) {
    const target = join(outDir, memberFileName(member.name));
    writeFileSync(target, memberSpecText(member, extendsPath, extendsPath), 'utf8');
    io.stdout(`${displayPath(target, io.cwd)}\n`);
  }
}

export function createExpandCommand(fs: FileSystem): Command {
  return defineCommand<ExpandOptions>({
    name: 'expand',
    summary: "expand a spec's sweep into its members (list them, or write one .ibspec each)",
    description: [
      'Expands the sweep of FILE into its members (the cartesian product of the swept',
      'values), each named <name>--<key>=<value>... Without --out, lists each member and',
      'its overrides.',
    ].join('\n'),
    arguments: [{ name: 'FILE', description: 'the spec with a sweep section' }],
    options: [
      { flags: '--out <DIR>', description: 'write each member as DIR/<member>.ibspec (it extends FILE)' },
      { flags: '--format <text|json>', description: 'list as text (default) or JSON: [{"name": ..., "overrides": {"model.attention.beta": 0.01}}]', parse: parseFormat },
    ],
    epilog: 'Diagnostics go to stderr. Exit status: 0 success, 1 errors in the spec, 2 usage errors.',
    async run({ args, options }, io) {
      const file = args[0]!;
      const format = options.format ?? 'text';
      const specPath = resolve(io.cwd, file);
      const sources = new Map<string, string>();
      const result = fs.exists(specPath) ? loadSweep(specPath, fs, { sources }) : { value: undefined, diagnostics: [diagnostic('missingFile', { args: { path: file } })] };
      printDiagnostics(result.diagnostics, io, { format: 'text', sources });
      if (hasErrors(result.diagnostics) || !result.value) return EXIT_INPUT_ERROR;
      const members = result.value;
      if (members.length === 0) {
        io.stderr(`${file} has no sweep: nothing to expand\n`);
        if (format === 'json') io.stdout('[]\n');
        return EXIT_OK;
      }
      if (options.out !== undefined) writeMembers(members, specPath, resolve(io.cwd, options.out), io);
      else io.stdout(format === 'json' ? listJson(members) : listText(members));
      return EXIT_OK;
    },
  });
}

export const expandCommand: Command = createExpandCommand(nodeFileSystem);
