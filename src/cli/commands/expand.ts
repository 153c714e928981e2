/**
 * `ibc expand FILE [--out DIR] [--format text|json]`: the members of a spec's
 * sweep. Without --out, lists each member's name and overrides; with --out,
 * writes each member as an .ibspec file that extends FILE and sets the swept
 * values (real spec text: `ibc check` and `ibc train` accept it); the writing
 * is in runtime/jobs/expand.ts.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { parseFormat, pathOption, usageError } from '../option-values.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { jsonToSpecText } from '../../compiler/spec/ast-values.js';
import { loadSweep } from '../../compiler/spec/load-spec.js';
import type { SweepMember } from '../../compiler/spec/sweep.js';
import { writeSweepMembers } from '../../runtime/jobs/expand.js';
import { guardRun } from '../run-errors.js';
import { nodeFileSystem, type FileSystem } from '../../host/file-system.js';
import { displayPath, printDiagnostics, type OutputFormat } from '../report.js';

interface ExpandOptions {
  readonly out?: string;
  readonly format?: OutputFormat;
  readonly overwrite?: boolean;
}

function listText(members: readonly SweepMember[]): string {
  return members.map((m) => `${m.name}  ${m.overrides.map((o) => `${o.path}=${jsonToSpecText(o.value)}`).join(' ')}\n`).join('');
}

function listJson(members: readonly SweepMember[]): string {
  const rows = members.map((m) => ({ name: m.name, overrides: Object.fromEntries(m.overrides.map((o) => [o.path, o.value])) }));
  return `${JSON.stringify(rows, null, 2)}\n`;
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
    overrides: true,
    options: [
      { flags: '--out <DIR>', description: 'write each member as DIR/<member>.ibspec (it extends FILE); files an earlier expand of FILE wrote there for members no longer in the sweep are removed; files it did not write are never removed, and replaced only with --overwrite', parse: pathOption('--out') },
      { flags: '--overwrite', description: 'with --out: replace files of a member\'s name that ibc expand did not write' },
      { flags: '--format <text|json>', description: 'list as text (default) or JSON: [{"name": ..., "overrides": {"model.attention.beta": 0.01}}]', parse: parseFormat },
    ],
    epilog: 'Diagnostics go to stderr. Exit status: 0 success, 1 errors in the spec, 2 usage errors.',
    async run({ args, options, overrides }, io) {
      const file = args[0] ?? usageError('missing FILE');
      const format = options.format ?? 'text';
      const specPath = resolve(io.cwd, file);
      const sources = new Map<string, string>();
      const result = fs.exists(specPath) ? loadSweep(specPath, fs, { sources, overrides }) : { value: undefined, diagnostics: [diagnostic('missingFile', { args: { path: file } })] };
      printDiagnostics(result.diagnostics, io, { format: 'text', sources });
      if (hasErrors(result.diagnostics) || !result.value) return EXIT_INPUT_ERROR;
      const members = result.value;
      if (members.length === 0) {
        io.stderr(`${file} has no sweep: nothing to expand\n`);
        if (format === 'json') io.stdout('[]\n');
        return EXIT_OK;
      }
      if (options.out === undefined) {
        io.stdout(format === 'json' ? listJson(members) : listText(members));
        return EXIT_OK;
      }
      const out = resolve(io.cwd, options.out);
      return guardRun(io, 'expand', async () => {
        writeSweepMembers(
          members,
          specPath,
          out,
          overrides,
          {
            wrote: (path) => io.stdout(`${displayPath(path, io.cwd)}\n`),
            removed: (path) => io.stderr(`removed ${displayPath(path, io.cwd)} (no longer a member of the sweep)\n`),
          },
          { overwrite: options.overwrite === true },
        );
        return EXIT_OK;
      });
    },
  });
}

export const expandCommand: Command = createExpandCommand(nodeFileSystem);
