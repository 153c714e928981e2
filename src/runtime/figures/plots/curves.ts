/**
 * A run's training curves, curves.png: the loss terms (total, cross-entropy,
 * KL, VQ, commitment) and the accuracies (train, validation, test top-1) per
 * epoch, side by side, read from metrics.jsonl.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../../host/atomic-write.js';
import { chartPng, CHART_CONFIG, type ChartSpec, type UnitChart } from './render.js';

export const CURVES_FILE = 'curves.png';

const LOSS_TERMS: readonly (readonly [string, string])[] = [
  ['train_loss_bits', 'total'],
  ['ce_bits', 'cross-entropy'],
  ['kl_bits', 'KL'],
  ['vq', 'VQ'],
  ['commit', 'commitment'],
];
const ACCURACIES: readonly (readonly [string, string])[] = [
  ['train_top1', 'train'],
  ['val_top1', 'validation'],
  ['test_top1', 'test'],
];

interface Point {
  readonly epoch: number;
  readonly series: string;
  readonly value: number;
}

function points(rows: readonly Record<string, unknown>[], series: readonly (readonly [string, string])[]): Point[] {
  const out: Point[] = [];
  for (const row of rows) {
    const epoch = row.epoch;
    if (typeof epoch !== 'number') continue;
    for (const [key, label] of series) {
      const value = row[key];
      if (typeof value === 'number' && Number.isFinite(value)) out.push({ epoch, series: label, value });
    }
  }
  return out;
}

function panel(title: string, data: readonly Point[], yTitle: string, format: string, order: readonly string[], scale: 'linear' | 'log'): UnitChart {
  const present = order.filter((s) => data.some((p) => p.series === s));
  return {
    title,
    width: 300,
    height: 220,
    data: { values: [...data] },
    mark: { type: 'line', point: { size: 40 } },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: yTitle, axis: { format }, scale: { type: scale } },
      color: { field: 'series', type: 'nominal', title: null, sort: [...present], scale: { domain: [...present] } },
    },
  };
}

export function curvesChart(name: string, rows: readonly Record<string, unknown>[]): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: name, anchor: 'start' },
    config: CHART_CONFIG,
    hconcat: [
      // The unweighted KL is often 100x the cross-entropy: a log scale keeps every term readable (terms that stay 0 are left out).
      panel('loss terms', points(rows, LOSS_TERMS).filter((p) => p.value > 0), 'bits (log scale; VQ, commitment: map units)', '.3~g', LOSS_TERMS.map((s) => s[1]), 'log'),
      panel('top-1 accuracy', points(rows, ACCURACIES), 'top-1', '.0%', ACCURACIES.map((s) => s[1]), 'linear'),
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

/**
 * Draws curves.png into the run folder (written whole, then renamed into
 * place; a failed write leaves the old one or none); returns its path. The run
 * folder is ibc's, so an earlier curves.png there is replaced.
 */
export async function writeCurves(runDir: string, name: string, rows: readonly Record<string, unknown>[]): Promise<string> {
  const png = await chartPng(curvesChart(name, rows));
  const path = join(runDir, CURVES_FILE);
  writeFileAtomic(path, [png]);
  return path;
}
