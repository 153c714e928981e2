/**
 * `ibc results DIR`: one table of the runs in a sweep directory (or any folder
 * of runs), a plot of a metric against a swept value, and each run's
 * curves.png. The work is in runtime/runs/results, runtime/figures/plots and
 * runtime/jobs/results.ts; this module reads the options and prints.
 */
import { resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK } from '../command.js';
import { defineCommand, type CommandInput } from '../define-command.js';
import { formatRunDiagnostic, guardRun } from '../run-errors.js';
import { oneOf, usageError } from '../option-values.js';
import { displayPath } from '../report.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { collectResults, METRICS, type MetricName } from '../../runtime/runs/results/collect.js';
import { formatResults, RESULT_FORMATS, sortKeys, sortRows, type ResultFormat } from '../../runtime/runs/results/format.js';
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
  const keys = sortKeys(results);
  if (options.sort !== undefined && !keys.includes(options.sort)) return unknown('sort column', options.sort, keys, io);
  const metric = plot ?? 'test_top1';
  if (!isMetric(metric)) return unknown('metric', metric, METRICS, io);
  let xPath: string | undefined;
  if (options.x !== undefined) {
    xPath = sweptPathNamed(results, options.x);
    if (xPath === undefined) return unknown('swept value', options.x, results.swept, io);
  } else xPath = defaultXPath(results);

  const rows = options.sort !== undefined ? sortRows(results, options.sort, options.desc === true) : [...results.rows];
  io.stdout(formatResults(results, rows, options.format ?? 'text'));

  if (options.curves !== false) {
    const drawn = await drawCurves(results);
    if (drawn > 0) io.stderr(`curves: drew ${CURVES_FILE} for ${drawn} run(s)\n`);
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
      await writeMetricPlot(results, metric, xPath, out);
      io.stderr(`plot: ${displayPath(out, io.cwd)}\n`);
    }
  }
  return EXIT_OK;
}

export const resultsCommand: Command = defineCommand<ResultsOptions>({
  name: 'results',
  summary: "tabulate and plot the runs of a sweep directory (or any folder of runs); draw each run's curves.png",
  description: [
    'Tabulates the runs in DIR (a sweep directory from ibc sweep, or any folder of',
    'run directories): one row per member with its swept values, status, epochs,',
    'final and best validation top-1, test top-1/top-5, train top-1, the loss terms',
    'and images/s. Status: finished, running (a live process here holds the run\'s',
    'lock), failed (its launch ended badly), interrupted (a checkpoint, no summary),',
    'incomplete (no checkpoint yet), missing.',
    '',
    'Writes a plot of a metric against a swept value (one line per combination of',
    'the other swept values, mean and standard deviation over seeds where the seed',
    "is swept) and each run's curves.png (loss terms and accuracies per epoch).",
  ].join('\n'),
  arguments: [{ name: 'DIR', description: 'a sweep directory or a folder of runs' }],
  options: [
    { flags: '--format <F>', description: `${RESULT_FORMATS.join(', ')} (default text)`, parse: oneOf('--format', RESULT_FORMATS) },
    { flags: '--sort <COLUMN>', description: 'name, status, epochs, a swept path or its last key, or a metric' },
    { flags: '--desc', description: 'sort descending' },
    { flags: '--plot <METRIC>', description: `the metric to plot (default test_top1): ${METRICS.join(', ')}` },
    { flags: '--no-plot', description: 'no plot' },
    { flags: '--x <PATH>', description: 'the swept value on the x axis (default: the first swept one that is not the seed)' },
    { flags: '--plot-out <FILE>', description: 'where to write the plot (default DIR/<metric>-vs-<x>.png)' },
    { flags: '--no-curves', description: "do not draw the runs' curves.png" },
  ],
  epilog: 'Exit status: 0 success, 1 no runs or an unknown column, 2 usage errors.',
  run: (input, io) => guardRun(io, 'results', () => run(input, io)),
});
