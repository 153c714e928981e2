/**
 * A metric against one swept value: one line per combination of the other
 * swept values; where the seed is swept, each point is the mean over the
 * seeds with an error bar of one standard deviation.
 */
import type { Json } from '../../../compiler/spec/spec-document.js';
import type { CollectedResults, MetricName } from '../../runs/results/collect.js';
import { METRIC_TITLES, sweptLabels } from '../../runs/results/format.js';
import { CHART_CONFIG, type ChartSpec, type UnitChart } from './render.js';

export const SEED_PATH = 'train.seed';

interface PlotPoint {
  readonly x: number | string;
  readonly series: string;
  readonly value: number;
}

function label(v: Json | undefined): string {
  return v === undefined ? '?' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** The swept path to plot against by default: the first that is not the seed (numeric ones first). */
export function defaultXPath(results: CollectedResults): string | undefined {
  const candidates = results.swept.filter((p) => p !== SEED_PATH);
  const numeric = candidates.find((p) => results.rows.every((r) => r.values[p] === undefined || typeof r.values[p] === 'number'));
  return numeric ?? candidates[0];
}

export function metricChart(results: CollectedResults, metric: MetricName, xPath: string): ChartSpec {
  const labels = sweptLabels(results.swept);
  const labelOf = (p: string) => labels[results.swept.indexOf(p)] ?? p;
  const others = results.swept.filter((p) => p !== xPath && p !== SEED_PATH);
  const seeded = results.swept.includes(SEED_PATH);
  const points: PlotPoint[] = [];
  for (const row of results.rows) {
    const value = row.metrics[metric];
    const x = row.values[xPath];
    if (value === undefined || (typeof x !== 'number' && typeof x !== 'string')) continue;
    const series = others.length === 0 ? 'all' : others.map((p) => `${labelOf(p)}=${label(row.values[p])}`).join(', ');
    points.push({ x, series, value });
  }
  const numericX = points.every((p) => typeof p.x === 'number');
  const xs = points.map((p) => p.x).filter((x): x is number => typeof x === 'number');
  const logX = numericX && xs.length > 0 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
  const percent = METRIC_TITLES[metric].includes('top-');
  const seeds = seeded ? new Set(results.rows.map((r) => JSON.stringify(r.values[SEED_PATH]))).size : 1;
  const xEncoding = numericX
    ? { field: 'x', type: 'quantitative' as const, title: labelOf(xPath), scale: logX ? { type: 'log' as const } : { zero: false } }
    : { field: 'x', type: 'ordinal' as const, title: labelOf(xPath) };
  const yTitle = `${METRIC_TITLES[metric]}${seeded ? ` (mean ± sd over ${seeds} seeds)` : ''}`;
  // One line needs no legend.
  const color = others.length === 0 ? undefined : { field: 'series', type: 'nominal' as const, title: others.map(labelOf).join(', ') };
  const line: UnitChart = {
    mark: { type: 'line', point: { size: 50 } },
    encoding: { x: xEncoding, y: { field: 'value', type: 'quantitative', aggregate: 'mean', title: yTitle, scale: { zero: false }, axis: percent ? { format: '.0%' } : {} }, ...(color ? { color } : {}) },
  };
  const layers: UnitChart[] = [line];
  if (seeded) {
    layers.push({
      mark: { type: 'errorbar', extent: 'stdev', ticks: true },
      encoding: { x: xEncoding, y: { field: 'value', type: 'quantitative', title: yTitle }, ...(color ? { color } : {}) },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${METRIC_TITLES[metric]} against ${labelOf(xPath)}`, anchor: 'start' },
    config: CHART_CONFIG,
    width: 420,
    height: 280,
    data: { values: points },
    layer: layers,
  } as ChartSpec;
}
