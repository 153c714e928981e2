/**
 * `ibc results DIR`: one table of the runs in a sweep directory (or any folder
 * of runs), a plot of a metric against a swept value, and each run's
 * curves.png. The work is in runtime/results and runtime/plots.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO, Command } from '../command.js';
import { EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE } from '../command.js';
import { formatRunDiagnostic, guardRun } from '../run-errors.js';
import { displayPath } from '../report.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { collectResults, METRICS, type CollectedResults, type MetricName } from '../../runtime/results/collect.js';
import { formatResults, RESULT_FORMATS, sortKeys, sortRows, sweptLabels, type ResultFormat } from '../../runtime/results/format.js';
import { CURVES_FILE, writeCurves } from '../../runtime/plots/curves.js';
import { defaultXPath, metricChart } from '../../runtime/plots/metric-plot.js';
import { chartPng } from '../../runtime/plots/render.js';
import { UsageError } from '../command.js';

const USAGE = `Usage: ibc results DIR [--format text|markdown|csv|json] [--sort COLUMN [--desc]] [--plot METRIC] [--x PATH]

Tabulates the runs in DIR (a sweep directory from ibc sweep, or any folder of
run directories): one row per member with its swept values, status, epochs,
final and best validation top-1, test top-1/top-5, train top-1, the loss terms
and images/s. Status: finished, running (a live process here holds the run's
lock), failed (its launch ended badly), interrupted (a checkpoint, no summary),
incomplete (no checkpoint yet), missing.

Writes a plot of a metric against a swept value (one line per combination of
the other swept values, mean and standard deviation over seeds where the seed
is swept) and each run's curves.png (loss terms and accuracies per epoch).

  --format F      text (default), markdown, csv or json
  --sort COLUMN   name, status, epochs, a swept path or its last key, or a metric
  --desc          sort descending
  --plot METRIC   the metric to plot (default test_top1): ${METRICS.join(', ')}
  --x PATH        the swept value on the x axis (default: the first swept one that is not the seed)
  --plot-out FILE where to write the plot (default DIR/<metric>-vs-<x>.png)
  --no-plot       no plot
  --no-curves     do not draw the runs' curves.png

Exit status: 0 success, 1 no runs or an unknown column, 2 usage errors.
`;

interface ResultsOptions {
  readonly dir: string;
  readonly format: ResultFormat;
  readonly sort?: string;
  readonly desc: boolean;
  readonly plot?: string;
  readonly x?: string;
  readonly plotOut?: string;
  readonly noPlot: boolean;
  readonly noCurves: boolean;
}

function parseResultsArgs(args: readonly string[]): ResultsOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        sort: { type: 'string' },
        desc: { type: 'boolean' },
        plot: { type: 'string' },
        x: { type: 'string' },
        'plot-out': { type: 'string' },
        'no-plot': { type: 'boolean' },
        'no-curves': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const v = parsed.values;
  if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? 'missing DIR (a sweep directory or a folder of runs)' : `expected one DIR, got ${parsed.positionals.length}`);
  const format = v.format ?? 'text';
  if (!(RESULT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${RESULT_FORMATS.join(', ')}, got '${format}'`);
  if (v.plot !== undefined && v['no-plot']) throw new UsageError('--plot and --no-plot cannot be combined');
  return {
    dir: parsed.positionals[0]!,
    format: format as ResultFormat,
    ...(v.sort !== undefined ? { sort: v.sort } : {}),
    desc: v.desc === true,
    ...(v.plot !== undefined ? { plot: v.plot } : {}),
    ...(v.x !== undefined ? { x: v.x } : {}),
    ...(v['plot-out'] !== undefined ? { plotOut: v['plot-out'] } : {}),
    noPlot: v['no-plot'] === true,
    noCurves: v['no-curves'] === true,
  };
}

function unknown(what: string, name: string, names: readonly string[], io: CliIO): number {
  io.stderr(formatRunDiagnostic(diagnostic('resultsUnknownColumn', { args: { what, name, names: names.join(', ') } })));
  return EXIT_INPUT_ERROR;
}

/** Draws curves.png where it is missing or older than the run's metrics. */
async function drawCurves(results: CollectedResults): Promise<number> {
  let drawn = 0;
  for (const row of results.rows) {
    if (row.rows.length === 0) continue;
    const mtime = (p: string) => {
      try {
        return statSync(p).mtimeMs;
      } catch {
        return -1;
      }
    };
    if (mtime(join(row.runDir, CURVES_FILE)) >= mtime(join(row.runDir, 'metrics.jsonl'))) continue;
    await writeCurves(row.runDir, row.name, row.rows);
    drawn++;
  }
  return drawn;
}

async function run(args: readonly string[], io: CliIO): Promise<number> {
  let options: ResultsOptions;
  try {
    options = parseResultsArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ibc results: ${error.message} (see 'ibc results --help')\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const root = resolve(io.cwd, options.dir);
  const results = collectResults(root);
  const keys = sortKeys(results);
  if (options.sort !== undefined && !keys.includes(options.sort)) return unknown('sort column', options.sort, keys, io);
  const metric = options.plot ?? 'test_top1';
  if (!(METRICS as readonly string[]).includes(metric)) return unknown('metric', metric, METRICS, io);
  const labels = sweptLabels(results.swept);
  let xPath: string | undefined;
  if (options.x !== undefined) {
    xPath = results.swept.includes(options.x) ? options.x : results.swept[labels.indexOf(options.x)];
    if (xPath === undefined) return unknown('swept value', options.x, results.swept, io);
  } else xPath = defaultXPath(results);

  const rows = options.sort !== undefined ? sortRows(results, options.sort, options.desc) : [...results.rows];
  io.stdout(formatResults(results, rows, options.format));

  if (!options.noCurves) {
    const drawn = await drawCurves(results);
    if (drawn > 0) io.stderr(`curves: drew ${CURVES_FILE} for ${drawn} run(s)\n`);
  }
  if (!options.noPlot) {
    if (xPath === undefined) {
      if (options.plot !== undefined) {
        io.stderr(formatRunDiagnostic(diagnostic('resultsNoSweptValue', { args: { path: root } })));
        return EXIT_INPUT_ERROR;
      }
      io.stderr('plot: no swept value to plot against; none drawn\n');
    } else {
      const xLabel = labels[results.swept.indexOf(xPath)] ?? xPath;
      const out = options.plotOut !== undefined ? resolve(io.cwd, options.plotOut) : join(root, `${metric}-vs-${xLabel.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
      writeFileSync(out, await chartPng(metricChart(results, metric as MetricName, xPath)));
      io.stderr(`plot: ${displayPath(out, io.cwd)}\n`);
    }
  }
  return EXIT_OK;
}

export const resultsCommand: Command = {
  name: 'results',
  summary: 'tabulate and plot the runs of a sweep directory (or any folder of runs); draw each run\'s curves.png',
  help: () => USAGE,
  run: (args, io) => guardRun(io, 'results', () => run(args, io)),
};
