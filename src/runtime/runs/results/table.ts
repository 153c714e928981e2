/**
 * The results table as data, before any format draws it: its columns (each
 * with an id that --columns and --sort name, a title, and a priority for
 * narrow terminals), one row per run with the cell texts, and the notes a
 * reader needs under it (what a short column name stands for, runs that are
 * not finished, budgets that differ). Formats (format.ts) only lay it out.
 *
 * Rows are runs here; a summary row (a setting's mean ± sd over its seeds) is
 * a `TableRow` without a `run`, built from the run rows by the same columns.
 */
import type { Json } from '../../../compiler/spec/spec-document.js';
import { METRICS, isFinished, type CollectedResults, type MetricName, type ResultRow } from './collect.js';
import { groupBySetting, type MetricSummary } from './group.js';
import { SEED_PATH } from '../../../compiler/spec/sweep-block.js';
import { isBudgetColumn, settingJson, settingText, type SettingColumn } from './settings.js';

/** How each metric is titled in text and Markdown. */
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
  val_loss_bits: 'val loss (bits)',
  val_ce_bits: 'val CE (bits)',
  val_kl_bits: 'val KL (bits)',
  val_vq: 'val VQ',
  val_commit: 'val commit',
  images_per_second: 'img/s',
};

const PERCENT: ReadonlySet<MetricName> = new Set(['final_val_top1', 'best_val_top1', 'test_top1', 'test_top5', 'train_top1']);

/**
 * Which metric columns a narrow table gives up first (index 0 first); test top-1 and
 * best val top-1 stay.
 */
export const METRIC_DROP_ORDER: readonly MetricName[] = ['val_commit', 'val_vq', 'val_kl_bits', 'val_ce_bits', 'val_loss_bits', 'commit', 'vq', 'kl_bits', 'ce_bits', 'train_loss_bits', 'train_top1', 'images_per_second', 'final_val_top1', 'test_top5'];

export type ColumnKind = 'run' | 'status' | 'swept' | 'setting' | 'epochs' | 'metric';

export interface TableColumn {
  /** What --columns and --sort call it: run, status, epochs, a metric, a swept path or setting key. */
  readonly id: string;
  readonly kind: ColumnKind;
  readonly title: string;
  /** Right-aligned. */
  readonly numeric: boolean;
  /** A narrow text table may leave it out (with a note). */
  readonly optional: boolean;
}

export interface TableRow {
  /** The run the row shows; absent for a summary row. */
  readonly run?: ResultRow;
  /** One text per column. */
  readonly cells: readonly string[];
  /** Machine formats' values, one per column (numbers as measured, null for none). */
  readonly values: readonly (Json | null)[];
}

export interface ResultTable {
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TableRow[];
  /** Sentences for under the table. */
  readonly notes: readonly string[];
  /** Runs that differ only in their seed pooled per setting (group.ts), when some setting has more than one run. */
  readonly perSetting?: SettingTable;
}

/** The per-setting table: the swept values but the seed, n finished runs, each metric as mean ± sd. */
export interface SettingTable {
  readonly title: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly (readonly string[])[];
}

/** Short labels for paths: the last key, or as many trailing keys as make it unique among `paths`. */
export function shortLabels(paths: readonly string[]): string[] {
  const parts = paths.map((p) => p.split('.'));
  return parts.map((own, i) => {
    for (let n = 1; n <= own.length; n++) {
      const label = own.slice(-n).join('.');
      if (parts.every((other, j) => j === i || other.slice(-n).join('.') !== label)) return label;
    }
    return paths[i] ?? own.join('.');
  });
}

/** The swept paths' column labels (kept for the plot's axis titles). */
export function sweptLabels(paths: readonly string[]): string[] {
  return shortLabels(paths);
}

export function metricText(name: MetricName, v: number | undefined): string {
  if (v === undefined) return '-';
  if (PERCENT.has(name)) return `${(100 * v).toFixed(2)}%`;
  if (name === 'images_per_second') return v.toFixed(1);
  return v.toPrecision(4);
}

function valueText(v: Json | undefined): string {
  if (v === undefined) return '-';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Metric columns that any row has (an unused loss term, e.g. VQ without quantization, is left out). */
export function presentMetrics(rows: readonly ResultRow[]): MetricName[] {
  return METRICS.filter((m) => rows.some((r) => r.metrics[m] !== undefined));
}

/**
 * The run label: its folder, less the prefix every run's folder shares (a sweep's
 * `fsweep--`), so the part that tells runs apart is what the column shows.
 */
function runLabels(rows: readonly ResultRow[]): string[] {
  const dirs = rows.map((r) => (r.dir === '.' ? r.name : r.dir));
  if (dirs.length < 2) return dirs;
  let prefix = dirs[0] ?? '';
  for (const d of dirs) while (!d.startsWith(prefix)) prefix = prefix.slice(0, -1);
  // Cut only after a separator ('--' of a member name, '/' of a folder), and never a whole label.
  const dashes = prefix.lastIndexOf('--');
  const cut = Math.max(dashes >= 0 ? dashes + 2 : 0, prefix.lastIndexOf('/') + 1);
  if (cut === 0 || dirs.some((d) => d.length <= cut)) return dirs;
  return dirs.map((d) => d.slice(cut));
}

/** Every column a table of `results` can have, in table order; the status column where a run is not finished, or `withStatus`. */
export function tableColumns(results: CollectedResults, withStatus = false): TableColumn[] {
  const settingKeys = [...results.swept, ...results.differing.map((c) => c.key)];
  const labels = shortLabels(settingKeys);
  const unfinished = withStatus || results.rows.some((r) => !isFinished(r));
  return [
    { id: 'run', kind: 'run', title: 'run', numeric: false, optional: false },
    ...(unfinished ? [{ id: 'status', kind: 'status' as const, title: 'status', numeric: false, optional: false }] : []),
    ...results.swept.map((p, i) => ({ id: p, kind: 'swept' as const, title: labels[i] ?? p, numeric: true, optional: false })),
    ...results.differing.map((c, i) => ({ id: c.key, kind: 'setting' as const, title: labels[results.swept.length + i] ?? c.key, numeric: true, optional: false })),
    { id: 'epochs', kind: 'epochs', title: 'epochs', numeric: true, optional: false },
    ...presentMetrics(results.rows).map((m) => ({ id: m, kind: 'metric' as const, title: METRIC_TITLES[m], numeric: true, optional: METRIC_DROP_ORDER.includes(m) })),
  ];
}

/** Every name --columns and --sort take: column ids and their titles. */
export function columnNames(results: CollectedResults): string[] {
  const columns = tableColumns(results, true);
  return [...new Set([...columns.map((c) => c.id), ...columns.filter((c) => c.kind === 'swept' || c.kind === 'setting').map((c) => c.title), 'name'])];
}

/** The column `name` names (its id, or a setting's title), or undefined. */
export function columnNamed(results: CollectedResults, name: string, withStatus = true): TableColumn | undefined {
  const columns = tableColumns(results, withStatus);
  if (name === 'name') return columns.find((c) => c.id === 'run');
  return columns.find((c) => c.id === name) ?? columns.find((c) => (c.kind === 'swept' || c.kind === 'setting') && c.title === name);
}

function epochsText(row: ResultRow): string {
  return row.epochsTarget !== undefined && row.epochsTarget !== row.epochs ? `${row.epochs}/${row.epochsTarget}` : String(row.epochs);
}

function cellOf(results: CollectedResults, column: TableColumn, row: ResultRow, label: string): { text: string; value: Json | null } {
  switch (column.kind) {
    case 'run':
      return { text: label, value: row.dir };
    case 'status':
      return { text: row.status, value: row.status };
    case 'swept':
      return { text: valueText(row.values[column.id]), value: row.values[column.id] ?? null };
    case 'setting': {
      const setting = results.differing.find((c) => c.key === column.id) ?? { key: column.id, presence: false };
      return { text: settingText(row.settings, setting), value: settingJson(row.settings, setting) };
    }
    case 'epochs':
      return { text: epochsText(row), value: row.epochs };
    case 'metric': {
      const m = column.id as MetricName;
      return { text: metricText(m, row.metrics[m]), value: row.metrics[m] ?? null };
    }
  }
}

/** A value to sort by: numbers compare as numbers, everything else as text; undefined sorts last. */
export function sortValue(results: CollectedResults, column: TableColumn, row: ResultRow): Json | undefined {
  if (column.kind === 'run') return row.dir === '.' ? row.name : row.dir;
  if (column.kind === 'epochs') return row.epochs;
  const { value } = cellOf(results, column, row, '');
  return value === null ? undefined : value;
}

/** Rows sorted by the column `name` names (missing values last, either direction); stable for ties. */
export function sortRows(results: CollectedResults, name: string, descending: boolean): ResultRow[] {
  const column = columnNamed(results, name);
  if (!column) return [...results.rows];
  const indexed = results.rows.map((row, i) => ({ row, i, v: sortValue(results, column, row) }));
  indexed.sort((a, b) => {
    if (a.v === undefined || b.v === undefined) return a.v === b.v ? a.i - b.i : a.v === undefined ? 1 : -1;
    const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
    return c === 0 ? a.i - b.i : descending ? -c : c;
  });
  return indexed.map((x) => x.row);
}

export interface TableOptions {
  /** Only these columns, in this order (ids or titles; checked by the caller). */
  readonly columns?: readonly string[];
  /** The status column even when every run finished (machine formats). */
  readonly withStatus?: boolean;
}

/** The table of `rows` (runs of `results`, in the order given). */
export function buildTable(results: CollectedResults, rows: readonly ResultRow[], options: TableOptions = {}): ResultTable {
  const all = tableColumns(results, options.withStatus === true);
  const columns = options.columns ? options.columns.map((n) => columnNamed(results, n, true)).filter((c): c is TableColumn => c !== undefined) : all;
  const labels = runLabels(rows);
  const tableRows = rows.map((row, i) => {
    const cells = columns.map((c) => cellOf(results, c, row, labels[i] ?? row.name));
    return { run: row, cells: cells.map((c) => c.text), values: cells.map((c) => c.value) };
  });
  const perSetting = settingTable(results, rows);
  return { columns, rows: tableRows, notes: tableNotes(results, columns), ...(perSetting ? { perSetting } : {}) };
}

/** "87.61% ± 0.52" (percentage points), "1.234 ± 0.05"; no sd with one run. */
function summaryText(name: MetricName, s: MetricSummary | undefined): string {
  if (s === undefined) return '-';
  if (s.sd === undefined) return metricText(name, s.mean);
  if (PERCENT.has(name)) return `${(100 * s.mean).toFixed(2)}% ± ${(100 * s.sd).toFixed(2)}`;
  if (name === 'images_per_second') return `${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)}`;
  return `${s.mean.toPrecision(4)} ± ${s.sd.toPrecision(2)}`;
}

/** The per-setting table of `rows`, or undefined when the seed is not swept or no setting repeats. */
function settingTable(results: CollectedResults, rows: readonly ResultRow[]): SettingTable | undefined {
  const groups = groupBySetting(results, rows);
  if (!groups) return undefined;
  const keys = [...results.swept, ...results.differing.map((c) => c.key)];
  const labels = shortLabels(keys);
  const paths = results.swept.filter((p) => p !== SEED_PATH);
  const metrics = presentMetrics(rows);
  const columns: TableColumn[] = [
    ...paths.map((p) => ({ id: p, kind: 'swept' as const, title: labels[keys.indexOf(p)] ?? p, numeric: true, optional: false })),
    ...results.differing.map((c) => ({ id: c.key, kind: 'setting' as const, title: labels[keys.indexOf(c.key)] ?? c.key, numeric: true, optional: false })),
    { id: 'n', kind: 'epochs', title: 'n', numeric: true, optional: false },
    ...metrics.map((m) => ({ id: m, kind: 'metric' as const, title: METRIC_TITLES[m], numeric: true, optional: false })),
  ];
  const body = groups.map((g) => [...paths.map((p) => (g.values[p] === undefined ? '' : valueText(g.values[p]))), ...results.differing.map((c) => g.settings[c.key] ?? '-'), String(g.finished), ...metrics.map((m) => summaryText(m, g.metrics[m]))]);
  return { title: 'Per setting over seeds: mean ± sd (sample standard deviation) of the n finished runs', columns, rows: body };
}

/** What a reader needs under the table: the full keys of short titles, runs left out of summaries, budgets that differ. */
function tableNotes(results: CollectedResults, columns: readonly TableColumn[]): string[] {
  const notes: string[] = [];
  const shortened = columns.filter((c) => (c.kind === 'swept' || c.kind === 'setting') && c.title !== c.id && c.id.includes('.'));
  if (shortened.length > 0) notes.push(`keys: ${shortened.map((c) => `${c.title} = ${c.id}`).join(', ')}`);
  const unfinished = results.rows.filter((r) => !isFinished(r));
  if (unfinished.length > 0) {
    const counts = new Map<string, number>();
    for (const r of unfinished) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    const what = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
    notes.push(`not finished: ${what}; marked, and left out of the plot (--all includes them)`);
  }
  const budgets = results.differing.filter((c: SettingColumn) => isBudgetColumn(c.key)).map((c) => c.key);
  const epochs = new Set(results.rows.filter(isFinished).map((r) => r.epochsTarget ?? r.epochs));
  if (epochs.size > 1) budgets.unshift('epochs');
  if (budgets.length > 0) {
    notes.push(`budgets differ (${budgets.join(', ')}): these runs saw different data or trained for different lengths; the plot draws each budget as its own series`);
  }
  return notes;
}
