/**
 * The results table as text (aligned), Markdown, CSV or JSON, sorted by any
 * column. Accuracies print as percentages in text and Markdown and as
 * fractions in CSV and JSON (machine formats keep the numbers as measured).
 */
import type { Json } from '../../../compiler/spec/spec-document.js';
import { METRICS, type CollectedResults, type MetricName, type ResultRow } from './collect.js';

export const RESULT_FORMATS = ['text', 'markdown', 'csv', 'json'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

export const METRIC_TITLES: Readonly<Record<MetricName, string>> = {
  final_val_top1: 'final val top-1',
  best_val_top1: 'best val top-1',
  test_top1: 'test top-1',
  test_top5: 'test top-5',
  train_top1: 'train top-1',
  train_loss_bits: 'loss (bits)',
  ce_bits: 'CE (bits)',
  kl_bits: 'KL (bits)',
  vq: 'VQ',
  commit: 'commit',
  images_per_second: 'img/s',
};

const PERCENT: ReadonlySet<MetricName> = new Set(['final_val_top1', 'best_val_top1', 'test_top1', 'test_top5', 'train_top1']);

/** Short column labels for swept paths: the last key, or the whole path when two share it. */
export function sweptLabels(paths: readonly string[]): string[] {
  const lastKey = (path: string) => path.slice(path.lastIndexOf('.') + 1);
  const lastKeys = paths.map(lastKey);
  return paths.map((p) => {
    const key = lastKey(p);
    return lastKeys.filter((l) => l === key).length > 1 ? p : key;
  });
}

/** Every column a table can be sorted by: name, status, epochs, swept paths (or their labels), metrics. */
export function sortKeys(results: CollectedResults): string[] {
  return ['name', 'status', 'epochs', ...results.swept, ...sweptLabels(results.swept), ...METRICS];
}

function sortValue(row: ResultRow, key: string, results: CollectedResults): Json | undefined {
  if (key === 'name') return row.name;
  if (key === 'status') return row.status;
  if (key === 'epochs') return row.epochs;
  if ((METRICS as readonly string[]).includes(key)) return row.metrics[key as MetricName];
  const labels = sweptLabels(results.swept);
  const path = results.swept.includes(key) ? key : results.swept[labels.indexOf(key)];
  return path === undefined ? undefined : row.values[path];
}

/** Rows sorted by `key` (missing values last, either direction); stable for ties. */
export function sortRows(results: CollectedResults, key: string, descending: boolean): ResultRow[] {
  const indexed = results.rows.map((row, i) => ({ row, i, v: sortValue(row, key, results) }));
  indexed.sort((a, b) => {
    if (a.v === undefined || b.v === undefined) return a.v === b.v ? a.i - b.i : a.v === undefined ? 1 : -1;
    const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
    return c === 0 ? a.i - b.i : descending ? -c : c;
  });
  return indexed.map((x) => x.row);
}

function valueText(v: Json | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function metricText(name: MetricName, v: number | undefined): string {
  if (v === undefined) return '-';
  if (PERCENT.has(name)) return `${(100 * v).toFixed(2)}%`;
  if (name === 'images_per_second') return v.toFixed(1);
  return v.toPrecision(4);
}

/** Metric columns that any row has (an unused loss term, e.g. VQ without quantization, is left out). */
function presentMetrics(rows: readonly ResultRow[]): MetricName[] {
  return METRICS.filter((m) => rows.some((r) => r.metrics[m] !== undefined));
}

function cells(results: CollectedResults, rows: readonly ResultRow[]): { header: string[]; body: string[][]; numeric: boolean[] } {
  const metrics = presentMetrics(rows);
  const header = ['member', 'status', ...sweptLabels(results.swept), 'epochs', ...metrics.map((m) => METRIC_TITLES[m])];
  const body = rows.map((r) => [r.name, r.status, ...results.swept.map((p) => valueText(r.values[p])), String(r.epochs), ...metrics.map((m) => metricText(m, r.metrics[m]))]);
  const numeric = header.map((_, i) => i >= 2);
  return { header, body, numeric };
}

function textTable(results: CollectedResults, rows: readonly ResultRow[]): string {
  const { header, body, numeric } = cells(results, rows);
  // Every body row has a cell per header column.
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}

function markdownTable(results: CollectedResults, rows: readonly ResultRow[]): string {
  const { header, body, numeric } = cells(results, rows);
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : ':---')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n') + '\n';
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvTable(results: CollectedResults, rows: readonly ResultRow[]): string {
  const metrics = presentMetrics(rows);
  const header = ['member', 'dir', 'status', ...results.swept, 'epochs', ...metrics];
  const body = rows.map((r) => [r.name, r.dir, r.status, ...results.swept.map((p) => valueText(r.values[p])), String(r.epochs), ...metrics.map((m) => (r.metrics[m] === undefined ? '' : String(r.metrics[m])))]);
  return [header, ...body].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

function jsonTable(rows: readonly ResultRow[]): string {
  return `${JSON.stringify(rows.map((r) => ({ member: r.name, dir: r.dir, status: r.status, epochs: r.epochs, values: r.values, metrics: r.metrics })), null, 2)}\n`;
}

export function formatResults(results: CollectedResults, rows: readonly ResultRow[], format: ResultFormat): string {
  switch (format) {
    case 'text':
      return textTable(results, rows);
    case 'markdown':
      return markdownTable(results, rows);
    case 'csv':
      return csvTable(results, rows);
    case 'json':
      return jsonTable(rows);
  }
}
