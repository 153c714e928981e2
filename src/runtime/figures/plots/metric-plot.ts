/**
 * A metric against one swept value: one line per combination of the other
 * swept values; where the seed is swept, each point is the mean over the
 * seeds with an error bar of one standard deviation.
 *
 * What the plot will not do silently: join runs of different budgets (data,
 * epochs) in one line (the budget is part of the series, and the subtitle
 * says so), count a run that did not finish (left out unless asked, then
 * drawn hollow and named in the legend), or drop a run that lacks the
 * plotted key (a baseline without attention has no beta): it is a labelled
 * horizontal reference line.
 */
import type { Json } from '../../../compiler/spec/spec-document.js';
import { isFinished, type CollectedResults, type MetricName, type ResultRow } from '../../runs/results/collect.js';
import { isBudgetColumn, settingText } from '../../runs/results/settings.js';
import { METRIC_TITLES, shortLabels } from '../../runs/results/table.js';
import { CHART_CONFIG, type ChartSpec, type UnitChart } from './render.js';

export const SEED_PATH = 'train.seed';

interface PlotPoint {
  readonly x: number | string;
  readonly series: string;
  readonly value: number;
  /** 'finished', or the status of a run drawn because --all asked. */
  readonly status: string;
}

interface Reference {
  readonly label: string;
  readonly value: number;
}

function label(v: Json | undefined): string {
  return v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** The swept path to plot against by default: the first that is not the seed (numeric ones first). */
export function defaultXPath(results: CollectedResults): string | undefined {
  const candidates = results.swept.filter((p) => p !== SEED_PATH);
  const numeric = candidates.find((p) => results.rows.every((r) => r.values[p] === undefined || typeof r.values[p] === 'number'));
  return numeric ?? candidates[0];
}

export interface MetricChartOptions {
  /** Draw runs that did not finish too (hollow, and named in the legend). */
  readonly includeUnfinished?: boolean;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function metricChart(results: CollectedResults, metric: MetricName, xPath: string, options: MetricChartOptions = {}): ChartSpec {
  const keys = [...results.swept, ...results.differing.map((c) => c.key)];
  const labels = shortLabels(keys);
  const labelOf = (p: string) => (p === 'epochs' ? 'epochs' : (labels[keys.indexOf(p)] ?? p));
  const seeded = results.swept.includes(SEED_PATH);
  const shown = results.rows.filter((r) => options.includeUnfinished === true || isFinished(r));
  const hasX = (row: ResultRow) => typeof row.values[xPath] === 'number' || typeof row.values[xPath] === 'string';
  // Every other setting that differs between the plotted runs splits them into series: runs of
  // another model, budget (data, epochs) or backend are never one line.
  const valueOf = (row: ResultRow, key: string): string => {
    if (key === 'epochs') return String(row.epochsTarget ?? row.epochs);
    const column = results.differing.find((c) => c.key === key);
    return column ? settingText(row.settings, column) : label(row.values[key]);
  };
  const plotted = shown.filter((r) => hasX(r) && r.metrics[metric] !== undefined);
  const candidates = [...results.swept.filter((p) => p !== xPath && p !== SEED_PATH), ...results.differing.map((c) => c.key), 'epochs'];
  const splitting = candidates.filter((k) => new Set(plotted.map((r) => valueOf(r, k))).size > 1);
  const budgets = splitting.filter((k) => k === 'epochs' || isBudgetColumn(k));
  const seriesOf = (row: ResultRow): string => (splitting.length === 0 ? 'all' : splitting.map((k) => `${labelOf(k)}=${valueOf(row, k)}`).join(', '));
  const points: PlotPoint[] = [];
  const baselines = new Map<string, number[]>();
  for (const row of shown) {
    const value = row.metrics[metric];
    if (value === undefined) continue;
    const x = row.values[xPath];
    if (typeof x !== 'number' && typeof x !== 'string') {
      // No value for the plotted key (a baseline without the module): a reference line, named.
      const budget = budgets.map((k) => `${labelOf(k)}=${valueOf(row, k)}`).join(', ');
      const name = `${row.name} (no ${labelOf(xPath)})${budget === '' ? '' : `, ${budget}`}`;
      baselines.set(name, [...(baselines.get(name) ?? []), value]);
      continue;
    }
    points.push({ x, series: seriesOf(row), value, status: row.status });
  }
  const references: Reference[] = [...baselines].map(([name, values]) => ({ label: values.length > 1 ? `${name}, mean of ${values.length}` : name, value: mean(values) }));
  const numericX = points.every((p) => typeof p.x === 'number');
  const xs = points.map((p) => p.x).filter((x): x is number => typeof x === 'number');
  const logX = numericX && xs.length > 0 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
  const percent = METRIC_TITLES[metric].includes('top-');
  const seeds = seeded ? new Set(results.rows.map((r) => JSON.stringify(r.values[SEED_PATH]))).size : 1;
  const xEncoding = numericX
    ? { field: 'x', type: 'quantitative' as const, title: labelOf(xPath), scale: logX ? { type: 'log' as const } : { zero: false } }
    : { field: 'x', type: 'ordinal' as const, title: labelOf(xPath) };
  const yTitle = `${METRIC_TITLES[metric]}${seeded ? ` (mean ± sd over ${seeds} seeds)` : ''}`;
  const yAxis = percent ? { format: '.0%' } : {};
  const series = [...new Set(points.map((p) => p.series))];
  // One line needs no legend; the legend's labels are whole (no truncation), so they stay distinct.
  const color = series.length <= 1 ? undefined : { field: 'series', type: 'nominal' as const, title: splitting.map(labelOf).join(', '), legend: { labelLimit: 0, orient: 'bottom' as const, columns: 1 } };
  const line: UnitChart = {
    data: { values: points },
    mark: { type: 'line', point: { size: 50, filled: true } },
    encoding: { x: xEncoding, y: { field: 'value', type: 'quantitative', aggregate: 'mean', title: yTitle, scale: { zero: false }, axis: yAxis }, ...(color ? { color } : {}) },
  };
  const layers: UnitChart[] = [line];
  if (seeded) {
    layers.push({
      data: { values: points },
      mark: { type: 'errorbar', extent: 'stdev', ticks: true },
      encoding: { x: xEncoding, y: { field: 'value', type: 'quantitative', title: yTitle }, ...(color ? { color } : {}) },
    });
  }
  const unfinished = points.filter((p) => p.status !== 'finished');
  if (unfinished.length > 0) {
    layers.push({
      data: { values: unfinished },
      mark: { type: 'point', filled: false, size: 140, color: 'black' },
      encoding: { x: xEncoding, y: { field: 'value', type: 'quantitative', title: yTitle }, shape: { field: 'status', type: 'nominal', title: 'not finished', legend: { orient: 'bottom' } } },
    });
  }
  if (references.length > 0) {
    layers.push({
      data: { values: references },
      mark: { type: 'rule', strokeDash: [6, 4], color: '#555' },
      encoding: { y: { field: 'value', type: 'quantitative', title: yTitle } },
    });
    layers.push({
      data: { values: references },
      mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, x: 0, fontSize: 11, color: '#333' },
      encoding: { y: { field: 'value', type: 'quantitative', title: yTitle }, text: { field: 'label', type: 'nominal' } },
    });
  }
  const notes: string[] = [];
  if (budgets.length > 0) notes.push(`budgets differ (${budgets.map(labelOf).join(', ')}): each budget is its own series`);
  const left = results.rows.length - shown.length;
  if (left > 0) notes.push(`${left} run(s) not finished are left out (--all draws them)`);
  if (unfinished.length > 0) notes.push(`hollow: ${unfinished.length} run(s) that did not finish`);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${METRIC_TITLES[metric]} against ${labelOf(xPath)}`, anchor: 'start', ...(notes.length > 0 ? { subtitle: notes } : {}) },
    config: CHART_CONFIG,
    width: 420,
    height: 280,
    layer: layers,
  } as ChartSpec;
}
