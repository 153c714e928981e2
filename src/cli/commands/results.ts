/**
 * `ibc results DIR`: one table of the runs in a sweep directory (or any folder
 * of runs), a plot of a metric against a swept value, and each run's
 * curves.png. The work is in runtime/runs/results, runtime/figures/plots and
 * runtime/jobs/results.ts; this module reads the options and prints.
 */
import { resolve } from 'node:path';
import { isRunError } from '../../support/errors.js';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand, type CommandInput } from '../define-command.js';
import { formatRunDiagnostic, guardRun } from '../run-errors.js';
import { oneOf, pathOption, usageError, wholeNumber } from '../option-values.js';
import { displayPath } from '../report.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { collectResults, METRICS, type MetricName } from '../../runtime/runs/results/collect.js';
import { formatTable, RESULT_FORMATS, type ResultFormat } from '../../runtime/runs/results/format.js';
import { buildTable, columnNamed, columnNames, sortRows } from '../../runtime/runs/results/table.js';
import { CURVES_FILE } from '../../runtime/figures/plots/curves.js';
import { defaultXPath } from '../../runtime/figures/plots/metric-plot.js';
import { defaultPlotPath, drawCurves, sweptPathNamed, writeMetricPlot } from '../../runtime/jobs/results.js';

interface ResultsOptions {
  readonly format?: ResultFormat;
  readonly sort?: string;
  readonly desc?: boolean;
  /** The metric to plot; false with --no-plot (commander's negatable option: the last one given wins). */
  readonly plot?: string | false;
  readonly x?: string;
  readonly plotOut?: string;
  /** False with --no-curves. */
  readonly curves?: boolean;
  readonly overwrite?: boolean;
  /** Comma-separated column names. */
  readonly columns?: string;
  readonly width?: number;
  /** Runs that did not finish in the plot too. */
  readonly all?: boolean;
}

/** The width a text table fits: --width, the terminal's, COLUMNS, else 80. */
function tableWidth(options: ResultsOptions, io: CliIO): number {
  if (options.width !== undefined) return options.width;
  if (io.terminal) return io.terminal.columns();
  const fromEnv = Number(process.env['COLUMNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}

function isMetric(name: string): name is MetricName {
  return (METRICS as readonly string[]).includes(name);
}

function unknown(what: string, name: string, names: readonly string[], io: CliIO): number {
  io.stderr(formatRunDiagnostic(diagnostic('resultsUnknownColumn', { args: { what, name, names: names.join(', ') } })));
  return EXIT_INPUT_ERROR;
}

async function run({ args, options }: CommandInput<ResultsOptions>, io: CliIO): Promise<number> {
  const noPlot = options.plot === false;
  const plot = options.plot === false ? undefined : options.plot;
  const root = resolve(io.cwd, args[0] ?? usageError('missing DIR'));
  const results = collectResults(root);
  const names = columnNames(results);
  if (options.sort !== undefined && !columnNamed(results, options.sort)) return unknown('sort column', options.sort, names, io);
  const chosen = options.columns?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (options.columns !== undefined && (chosen === undefined || chosen.length === 0)) usageError('--columns needs at least one column name, e.g. --columns run,beta,test_top1');
  for (const name of chosen ?? []) if (!columnNamed(results, name)) return unknown('column', name, names, io);
  const metric = plot ?? 'test_top1';
  if (!isMetric(metric)) return unknown('metric', metric, METRICS, io);
  let xPath: string | undefined;
  if (options.x !== undefined) {
    xPath = sweptPathNamed(results, options.x);
    if (xPath === undefined) return unknown('swept value', options.x, results.swept, io);
  } else xPath = defaultXPath(results);

  const rows = options.sort !== undefined ? sortRows(results, options.sort, options.desc === true) : [...results.rows];
  const format = options.format ?? 'text';
  const machine = format === 'csv' || format === 'json';
  const table = buildTable(results, rows, { ...(chosen ? { columns: chosen } : {}), withStatus: machine });
  io.stdout(formatTable(table, format, { width: tableWidth(options, io), chosen: chosen !== undefined }));
  // CSV and JSON stay data; what a reader must know about them goes to stderr.
  if (machine) for (const note of table.notes) io.stderr(`note: ${note}\n`);

  let status = EXIT_OK;
  if (options.curves !== false) {
    const { drawn, failed, firstFailure } = await drawCurves(results);
    if (firstFailure) io.stderr(formatRunDiagnostic(firstFailure));
    if (drawn > 0) io.stderr(`curves: drew ${CURVES_FILE} for ${drawn} run(s)\n`);
    if (failed > 0) {
      io.stderr(`curves: ${CURVES_FILE} could not be written for ${failed} run(s) (the table above is complete; --no-curves skips drawing)\n`);
      status = EXIT_INPUT_ERROR;
    }
  }
  if (!noPlot) {
    if (xPath === undefined) {
      if (plot !== undefined) {
        io.stderr(formatRunDiagnostic(diagnostic('resultsNoSweptValue', { args: { path: root } })));
        return EXIT_INPUT_ERROR;
      }
      io.stderr('plot: no swept value to plot against; none drawn\n');
    } else {
      const out = options.plotOut !== undefined ? resolve(io.cwd, options.plotOut) : defaultPlotPath(root, results, metric, xPath);
      try {
        await writeMetricPlot(results, metric, xPath, out, options.all === true, options.overwrite === true);
        io.stderr(`plot: ${displayPath(out, io.cwd)}\n`);
      } catch (error) {
        if (!isRunError(error)) throw error;
        io.stderr(formatRunDiagnostic(error.diagnostic));
        io.stderr('plot: not written (the table above is complete; --no-plot skips it, --plot-out FILE writes it elsewhere)\n');
        status = EXIT_INPUT_ERROR;
      }
    }
  }
  return status;
}

export const resultsCommand: Command = defineCommand<ResultsOptions>({
  name: 'results',
  summary: "tabulate and plot the runs of a sweep directory (or any folder of runs); draw each run's curves.png",
  description: [
    'Tabulates the runs in DIR (a sweep directory from ibc sweep, or any folder of',
    'run directories): one row per run with the settings that differ between the',
    'runs (swept values, spec keys under their documented names, a section only',
    'some runs have, budgets and what computed them: train_images, backend,',
    'threads...; settings equal in every run are not shown), its epochs, final and',
    'best validation top-1, test top-1/top-5, train top-1, the loss terms and',
    'images/s. A status column marks runs that did not finish: running (a live',
    "process holds the run's lock), failed (its launch ended badly), interrupted (a",
    'checkpoint, no summary), incomplete (no checkpoint yet), missing. Notes under',
    'the table give the full key of a short column title, and say when budgets',
    'differ. The text table fits the terminal (80 columns without one): metric',
    'columns a reader can spare go first, then it wraps; --columns chooses.',
    '',
    'Writes a plot of a metric against a swept value (one line per combination of',
    'the other swept values and of differing budgets, mean and standard deviation',
    'over seeds where the seed is swept; runs without the swept key, such as a',
    'baseline, as labelled reference lines; runs that did not finish left out',
    "unless --all) and each run's curves.png (loss terms and accuracies per epoch).",
  ].join('\n'),
  arguments: [{ name: 'DIR', description: 'a sweep directory or a folder of runs' }],
  options: [
    { flags: '--format <F>', description: `${RESULT_FORMATS.join(', ')} (default text)`, parse: oneOf('--format', RESULT_FORMATS) },
    { flags: '--sort <COLUMN>', description: 'run (or name), status, epochs, a swept path or setting key (or its column title), or a metric' },
    { flags: '--columns <LIST>', description: 'the columns to show, comma-separated, in order (names as for --sort); nothing is dropped, a wide table wraps' },
    { flags: '--width <N>', description: 'the text table\'s width (default: the terminal\'s, else $COLUMNS, else 80; 0: no limit)', parse: wholeNumber('--width', 0) },
    { flags: '--all', description: 'draw runs that did not finish in the plot too (hollow, named in the legend)' },
    { flags: '--desc', description: 'sort descending' },
    { flags: '--plot <METRIC>', description: `the metric to plot (default test_top1): ${METRICS.join(', ')}` },
    { flags: '--no-plot', description: 'no plot' },
    { flags: '--x <PATH>', description: 'the swept value on the x axis (default: the first swept one that is not the seed)' },
    { flags: '--plot-out <FILE>', description: 'where to write the plot (default DIR/<metric>-vs-<x>.png)', parse: pathOption('--plot-out') },
    { flags: '--no-curves', description: "do not draw the runs' curves.png" },
    { flags: '--overwrite', description: 'replace a file at the plot\'s path that ibc did not write' },
  ],
  epilog: 'Exit status: 0 success, 1 no runs, an unknown column, or a plot or curves.png that could not be written (a read-only folder: the table is still printed), 2 usage errors.',
  run: (input, io) => guardRun(io, 'results', () => run(input, io)),
});
