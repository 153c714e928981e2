/**
 * `ibc results` on a plain folder of runs reads like a paper table: it fits 80
 * columns, shows the spec keys that differ under their documented names (one
 * column for a section only some runs have), hides the equal ones, has one
 * epochs column, marks runs that did not finish and keeps them out of the
 * plot, draws a baseline without the plotted key as a labelled line, and
 * never joins runs of different budgets (or models) into one series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectResults } from '../../../../src/runtime/runs/results/collect.js';
import { buildTable, sortRows } from '../../../../src/runtime/runs/results/table.js';
import { formatTable } from '../../../../src/runtime/runs/results/format.js';
import { metricChart } from '../../../../src/runtime/figures/plots/metric-plot.js';
import { writeFakeRun } from '../../../fixtures/result-runs.js';

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-results-table-'));
  const runs = join(work, 'runs');
  writeFakeRun(join(runs, 'baseline'), { spec: 'fashion-small-baseline.ibspec', epochs: [0.7, 0.8] });
  writeFakeRun(join(runs, 'aib-b0.01'), { spec: 'fashion-small-aib.ibspec', epochs: [0.72, 0.82] });
  writeFakeRun(join(runs, 'aib-b0.1'), { spec: 'fashion-small-aib.ibspec', overrides: ['model.attention.beta=0.1'], epochs: [0.71, 0.81] });
  writeFakeRun(join(runs, 'aib-qt-b0.01'), { spec: 'fashion-small-aib-qt.ibspec', epochs: [0.73, 0.83] });
  writeFakeRun(join(runs, 'aib-b0.001'), { spec: 'fashion-small-aib.ibspec', overrides: ['model.attention.beta=0.001'], epochs: [0.5], finished: false });
  const budgets = join(work, 'budgets');
  writeFakeRun(join(budgets, 'b0.01'), { spec: 'fashion-small-aib.ibspec', epochs: [0.8] });
  writeFakeRun(join(budgets, 'b0.1'), { spec: 'fashion-small-aib.ibspec', overrides: ['model.attention.beta=0.1'], epochs: [0.79] });
  writeFakeRun(join(budgets, 'b0.1-more-data'), { spec: 'fashion-small-aib.ibspec', overrides: ['model.attention.beta=0.1'], identity: { limit_train: 6000, train_images: 6000 }, epochs: [0.86] });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Layer = { mark: { type: string } | string; data?: { values: Record<string, unknown>[] }; encoding?: { color?: { legend?: { labelLimit?: number } } } };
const layersOf = (chart: unknown): Layer[] => (chart as { layer: Layer[] }).layer;
const markOf = (l: Layer): string => (typeof l.mark === 'string' ? l.mark : l.mark.type);

describe('ibc results on a folder of runs', () => {
  it('a table of 80 columns: the keys that differ by their documented names, one epochs column, unfinished runs marked', () => {
    const results = collectResults(join(work, 'runs'));
    const text = formatTable(buildTable(results, sortRows(results, 'test_top1', true)), 'text', { width: 80, chosen: false });
    const lines = text.split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    const header = lines.slice(0, 2).join(' ');
    // Documented names (no resolved camelCase), a whole section as one column, equal keys hidden.
    expect(header.split(/\s+/).filter((w) => w !== '')).toEqual(['best', 'val', 'test', 'run', 'beta', 'classifier', 'quantize', 'epochs', 'top-1', 'top-1']);
    expect(text).not.toMatch(/[a-z][A-Z]/);
    expect(lines.filter((l) => l.startsWith('---'))).toHaveLength(1); // one block: no wrap
    expect(text).toContain('aib-qt-b0.01   0.01                   -       yes       2    83.00%  83.00%');
    expect(text).toContain('baseline          -  flatten, linear 10         -       2    80.00%  80.00%');
    expect(text).toContain('aib-b0.001 *  0.001                   -         -     1/2    50.00%  50.00%');
    expect(text).toContain('note: marks: * interrupted (1)');
    expect(text).toContain('note: keys: beta = model.attention.beta, classifier = model.classifier, quantize\n     = model.attention.quantize');
    expect(text).toMatch(/note: not shown to fit 80 columns: commit, VQ, KL \(bits\), CE \(bits\), loss\n?\s*\(bits\), train top-1, img\/s, final val top-1, test top-5/);
    // --columns chooses (and keeps the status column); Markdown and CSV have every column and the status.
    const chosen = formatTable(buildTable(results, results.rows, { columns: ['run', 'status', 'beta', 'test_top5'] }), 'text', { width: 80, chosen: true });
    expect(chosen.split('\n').slice(0, 3)).toEqual(['                                    test', 'run           status        beta   top-5', '------------  -----------  -----  ------']);
    const md = formatTable(buildTable(results, results.rows), 'markdown');
    expect(md.split('\n')[0]).toBe('| run | status | beta | classifier | quantize | epochs | final val top-1 | best val top-1 | test top-1 | test top-5 | train top-1 | loss (bits) | CE (bits) | KL (bits) | VQ | commit | img/s |');
    expect(md).toContain('| aib-b0.001 | interrupted | 0.001 | - | - | 1/2 |');
    const csv = formatTable(buildTable(results, results.rows, { withStatus: true }), 'csv');
    expect(csv.split('\n')[0]).toMatch(/^member,dir,status,model\.attention\.beta,model\.classifier,model\.attention\.quantize,epochs,final_val_top1,/);
  });

  it('the plot leaves unfinished runs out, draws the baseline as a labelled line and splits models into distinct series', () => {
    const results = collectResults(join(work, 'runs'));
    const chart = metricChart(results, 'test_top1', 'model.attention.beta');
    const layers = layersOf(chart);
    const line = layers.find((l) => markOf(l) === 'line');
    const points = line?.data?.values ?? [];
    expect(points.map((p) => [p['x'], p['series']]).sort()).toEqual([
      [0.01, 'quantize=-'],
      [0.01, 'quantize=yes'],
      [0.1, 'quantize=-'],
    ]);
    expect(line?.encoding?.color?.legend?.labelLimit).toBe(0); // legends are never cut short
    const text = layers.find((l) => markOf(l) === 'text');
    expect(text?.data?.values).toEqual([{ label: 'fashion-small-baseline (no beta)', value: 0.8 }]);
    expect(layers.some((l) => markOf(l) === 'rule')).toBe(true);
    expect(JSON.stringify((chart as { title: unknown }).title)).toContain('1 run(s) not finished are left out (--all draws them)');
    const all = layersOf(metricChart(results, 'test_top1', 'model.attention.beta', { includeUnfinished: true }));
    const hollow = all.find((l) => markOf(l) === 'point');
    expect(hollow?.data?.values.map((p) => [p['x'], p['status']])).toEqual([[0.001, 'interrupted']]);
  });

  it('runs of another budget are a column, a note and a series of their own, never joined silently', () => {
    const results = collectResults(join(work, 'budgets'));
    const table = buildTable(results, results.rows);
    expect(table.columns.map((c) => c.title)).toEqual(['run', 'beta', 'train_images', 'epochs', 'final val top-1', 'best val top-1', 'test top-1', 'test top-5', 'train top-1', 'loss (bits)', 'CE (bits)', 'KL (bits)', 'img/s']);
    expect(table.notes).toContain('budgets differ (train_images): these runs saw different data or trained for different lengths; the plot draws each budget as its own series');
    const chart = metricChart(results, 'test_top1', 'model.attention.beta');
    const points = layersOf(chart).find((l) => markOf(l) === 'line')?.data?.values ?? [];
    expect(points.map((p) => p['series']).sort()).toEqual(['train_images=5000', 'train_images=5000', 'train_images=6000']);
    expect(JSON.stringify((chart as { title: unknown }).title)).toContain('budgets differ (train_images): each budget is its own series');
  });
});
