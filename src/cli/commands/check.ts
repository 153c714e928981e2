/**
 * `ibc check FILE... [--format text|json] [--shapes]`: every syntax, schema,
 * semantic and shape error of each spec, in one pass. Exit 0 when clean (or
 * warnings only), 1 on errors, 2 on usage errors.
 */
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand } from '../define-command.js';
import { parseFormat, usageError } from '../option-values.js';
import { checkDataPaths } from '../../compiler/spec/data-paths.js';
import { hasErrors, sortAndDedupe, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { checkSpecSet } from '../../compiler/check-set.js';
import { formatWeightsTable, planWeights, weightsPlanToJson, type WeightsPlanJson } from '../../compiler/pretrained/plan.js';
import { describeLayers, type ModelDescription } from '../../compiler/network/describe.js';
import { nodeFileSystem, specFilesUnder, type FileSystem } from '../../host/file-system.js';
import { displayPath, exitStatusFor, forDisplay, printDiagnostics, type OutputFormat } from '../report.js';
import { diagnosticsToJson } from '../../diagnostics/render.js';

interface CheckOptions {
  readonly format?: OutputFormat;
  readonly shapes?: boolean;
  readonly weights?: boolean;
}

/** The per-layer table: name, op, output shape, parameters, then the totals. */
export function formatLayerTable(description: ModelDescription): string {
  const header = ['layer', 'op', 'output', 'params'];
  const rows = description.rows.map((r) => [r.name, r.op, r.outputShape.join('x'), r.params.toLocaleString('en-US')]);
  // Every row has the header's four cells.
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
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
  return defineCommand<CheckOptions>({
    name: 'check',
    summary: 'check .ibspec files: every syntax, schema, semantic and shape error',
    description: [
      'Checks .ibspec files: syntax, schema, semantic and shape errors, all in one pass, and',
      'warns (located) about data files that do not exist. A backbone\'s weights="..." file is',
      'opened and matched to the trunk: which tensor feeds which parameter, what is missing,',
      'unused or of the wrong shape, and what keeps random values. A folder means every .ibspec file',
      'under it. A file that others of the set extend is a base: its syntax is checked directly,',
      'the rest through the specs that extend it.',
    ].join('\n'),
    arguments: [{ name: 'FILE|FOLDER', description: 'specs, or folders of specs', variadic: true }],
    overrides: true,
    options: [
      { flags: '--format <text|json>', description: 'text: code frames on stderr (default); json: a JSON array on stdout, one {file, line, column, endLine, endColumn, severity, code, message, suggestion?} per diagnostic', parse: parseFormat },
      { flags: '--shapes', description: "print each model's layers with output shapes and parameter counts" },
      {
        flags: '--weights',
        description:
          'print the full mapping of a weights="..." file: the tensor feeding each trunk parameter, layout conversions, unused tensors, what stays random; with --format json, stdout is one object {diagnostics: [...], weights: [{spec, weights, format, strict, parameters, missing, notUsed, unexpected, randomInitialValues}]}',
      },
    ],
    epilog: "Explain a code: ibc explain IB2003.\nExit status: 0 no errors (warnings allowed), 1 errors, 2 usage errors.",
    async run({ args, options, overrides }, io) {
      const format = options.format ?? 'text';
      const shapes = options.shapes === true;
      const weightsTable = options.weights === true;
      if (shapes && format === 'json') usageError('--shapes prints a table and cannot be combined with --format json');
      const sources = new Map<string, string>();
      const all: Diagnostic[] = [];
      const paths: string[] = [];
      const mappings: (WeightsPlanJson & { readonly spec: string })[] = [];
      for (const file of args) {
        const path = resolve(io.cwd, file);
        if (!fs.exists(path)) all.push(diagnostic('missingFile', { args: { path: file } }));
        else if (isDirectory(path)) for (const spec of specFilesUnder(path)) paths.push(spec);
        else paths.push(path);
      }
      for (const { path, extendedBy, result } of checkSpecSet([...new Set(paths)], fs, { sources, overrides, sweeps: true })) {
        const dataPaths = result.value && extendedBy.length === 0 ? checkDataPaths(result.value.spec, fs) : [];
        const weights = result.value && extendedBy.length === 0 ? await planWeights(result.value.spec, result.value.ir, fs) : undefined;
        const own = [...result.diagnostics, ...dataPaths, ...(weights?.diagnostics ?? [])];
        for (const item of own) all.push(item);
        weights?.plan?.file.close();
        if (weightsTable && format === 'json' && weights?.plan) mappings.push({ spec: displayPath(path, io.cwd), ...weightsPlanToJson(weights.plan) });
        if (format !== 'text') continue;
        if (weightsTable && weights?.plan) io.stdout(`${displayPath(path, io.cwd)}:\n${formatWeightsTable(weights.plan)}`);
        if (extendedBy.length > 0) {
          if (!hasErrors(result.diagnostics)) io.stdout(`${displayPath(path, io.cwd)}: base, checked through the ${extendedBy.length === 1 ? 'spec' : `${extendedBy.length} specs`} extending it\n`);
        } else if (result.value) {
          if (shapes) io.stdout(`${displayPath(path, io.cwd)}:\n${formatLayerTable(describeLayers(result.value.ir))}`);
          // "ok" only for a spec with no error at all: its data paths and weights file included.
          else if (!hasErrors(own)) io.stdout(`${displayPath(path, io.cwd)}: ok\n`);
        }
      }
      // Specs that extend the same base would otherwise report the base's problems once each.
      const unique = sortAndDedupe(all);
      if (weightsTable && format === 'json') io.stdout(`${JSON.stringify({ diagnostics: diagnosticsToJson(forDisplay(unique, io.cwd)), weights: mappings }, null, 2)}\n`);
      else printDiagnostics(unique, io, { format, sources });
      return exitStatusFor(unique) === EXIT_OK ? EXIT_OK : EXIT_INPUT_ERROR;
    },
  });
}

export const checkCommand: Command = createCheckCommand(nodeFileSystem);
