/**
 * What `ibc results DIR` does besides the table: each run's curves.png where it
 * is missing or stale, and the plot of a metric against a swept value.
 */
import { statSync } from 'node:fs';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { commitOutputs, requireApartFromInputs } from '../../host/output-policy.js';
import { runOwnPaths } from '../runs/run-dir.js';
import { isRunError } from '../../support/errors.js';
import { isIbcPng } from '../figures/png-mark.js';
import { join } from 'node:path';
import type { CollectedResults, MetricName } from '../runs/results/collect.js';
import { shortLabels } from '../runs/results/table.js';
import { CURVES_FILE, writeCurves } from '../figures/plots/curves.js';
import { readStepLog, STEP_LOG_FILE } from '../runs/step-log.js';
import { metricChart } from '../figures/plots/metric-plot.js';
import { chartPng } from '../figures/plots/render.js';

/**
 * Draws curves.png (and .svg) where it is missing or older than the run's
 * metrics or step log: how many were drawn, how many could not be written (a
 * read-only run folder) and the first such failure. A failure does not stop the others.
 */
export async function drawCurves(results: CollectedResults): Promise<{ drawn: number; failed: number; firstFailure?: Diagnostic }> {
  let drawn = 0;
  let failed = 0;
  let firstFailure: Diagnostic | undefined;
  for (const row of results.rows) {
    if (row.rows.length === 0) continue;
    const mtime = (p: string) => {
      try {
        return statSync(p).mtimeMs;
      } catch {
        return -1;
      }
    };
    if (mtime(join(row.runDir, CURVES_FILE)) >= Math.max(mtime(join(row.runDir, 'metrics.jsonl')), mtime(join(row.runDir, STEP_LOG_FILE)))) continue;
    try {
      await writeCurves(row.runDir, row.name, row.rows, readStepLog(row.runDir));
      drawn++;
    } catch (error) {
      if (!isRunError(error)) throw error;
      firstFailure ??= error.diagnostic;
      failed++;
    }
  }
  return { drawn, failed, ...(firstFailure ? { firstFailure } : {}) };
}

/** The swept path that `name` names (the path itself or its column label), or undefined when it names none. */
export function sweptPathNamed(results: CollectedResults, name: string): string | undefined {
  return results.swept.includes(name) ? name : results.swept[shortLabels(results.swept).indexOf(name)];
}

/** Where the plot goes unless told: DIR/<metric>-vs-<x label>.png. */
export function defaultPlotPath(root: string, results: CollectedResults, metric: MetricName, xPath: string): string {
  const xLabel = shortLabels(results.swept)[results.swept.indexOf(xPath)] ?? xPath;
  return join(root, `${metric}-vs-${xLabel.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
}

/**
 * Writes the plot of `metric` against the swept value at `xPath` to `out`
 * (`includeUnfinished`: runs that did not finish too, drawn hollow) under the
 * output policy: a file there is replaced only when ibc drew it (its PNG mark)
 * or `overwrite`, never over a run's own files (IB6807); written whole or not at all.
 */
export async function writeMetricPlot(results: CollectedResults, metric: MetricName, xPath: string, out: string, includeUnfinished = false, overwrite = false): Promise<void> {
  // Never over a file of a run it reads (its summary.json, its curves.png), even with --overwrite.
  const inputs = results.rows.flatMap((row) => runOwnPaths(row.runDir)).map((path) => ({ path, within: true }));
  requireApartFromInputs([out], inputs);
  const png = await chartPng(metricChart(results, metric, xPath, { includeUnfinished }));
  commitOutputs({ what: 'the plot', files: [{ path: out, chunks: [png] }], ours: isIbcPng, overwrite, inputs });
}
