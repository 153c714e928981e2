/**
 * What `ibc results DIR` does besides the table: each run's curves.png where it
 * is missing or stale, and the plot of a metric against a swept value.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectedResults, MetricName } from '../runs/results/collect.js';
import { shortLabels } from '../runs/results/table.js';
import { CURVES_FILE, writeCurves } from '../figures/plots/curves.js';
import { metricChart } from '../figures/plots/metric-plot.js';
import { chartPng } from '../figures/plots/render.js';

/** Draws curves.png where it is missing or older than the run's metrics; how many were drawn. */
export async function drawCurves(results: CollectedResults): Promise<number> {
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

/** The swept path that `name` names (the path itself or its column label), or undefined when it names none. */
export function sweptPathNamed(results: CollectedResults, name: string): string | undefined {
  return results.swept.includes(name) ? name : results.swept[shortLabels(results.swept).indexOf(name)];
}

/** Where the plot goes unless told: DIR/<metric>-vs-<x label>.png. */
export function defaultPlotPath(root: string, results: CollectedResults, metric: MetricName, xPath: string): string {
  const xLabel = shortLabels(results.swept)[results.swept.indexOf(xPath)] ?? xPath;
  return join(root, `${metric}-vs-${xLabel.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
}

/** Writes the plot of `metric` against the swept value at `xPath` to `out` (`includeUnfinished`: runs that did not finish too, drawn hollow). */
export async function writeMetricPlot(results: CollectedResults, metric: MetricName, xPath: string, out: string, includeUnfinished = false): Promise<void> {
  writeFileSync(out, await chartPng(metricChart(results, metric, xPath, { includeUnfinished })));
}
