/**
 * The results table (table.ts) as text, Markdown, CSV or JSON. Accuracies
 * print as percentages in text and Markdown and as fractions in CSV and JSON
 * (machine formats keep the numbers as measured, and every column).
 *
 * Text fits a width (the terminal's, 80 when there is none): first the metric
 * columns a reader can spare go (table.ts: METRIC_DROP_ORDER), then long
 * setting values are shortened, and what still does not fit wraps into
 * further blocks that repeat the run column. A note says what was left out
 * and how to get it (--columns, --format csv).
 */
import { METRIC_DROP_ORDER, type ResultTable, type TableColumn, type TableRow } from './table.js';
import type { MetricName } from './collect.js';

export const RESULT_FORMATS = ['text', 'markdown', 'csv', 'json'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** The space between two text columns. */
const GAP = 2;
/** A setting value longer than this is shortened in a text table that does not fit (CSV, JSON and Markdown keep it whole). */
const LONG_CELL = 24;

/** Statuses as a mark after the run's name in text (the status column of Markdown, CSV and JSON, folded in to save width). */
const STATUS_MARKS: Readonly<Record<string, string>> = { interrupted: '*', failed: '!', running: '~', incomplete: '?', missing: '#' };

/** A title over two lines (split at the space nearest its middle) when it is wider than its column's cells. */
function titleLines(title: string, cellWidth: number): [string, string] {
  if (title.length <= cellWidth || !title.includes(' ')) return [title, ''];
  let best: [string, string] = [title, ''];
  let widest = title.length;
  for (let i = title.indexOf(' '); i >= 0; i = title.indexOf(' ', i + 1)) {
    const split: [string, string] = [title.slice(0, i), title.slice(i + 1)];
    const w = Math.max(split[0].length, split[1].length);
    if (w < widest) [best, widest] = [split, w];
  }
  return best;
}

function cellWidths(rows: readonly (readonly string[])[], count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.max(0, ...rows.map((r) => (r[i] ?? '').length)));
}

function widthsOf(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): number[] {
  const cells = cellWidths(rows, columns.length);
  return columns.map((c, i) => {
    const [a, b] = titleLines(c.title, cells[i] ?? 0);
    return Math.max(cells[i] ?? 0, a.length, b.length);
  });
}

function total(widths: readonly number[]): number {
  return widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1);
}

function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function textBlock(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const widths = widthsOf(columns, rows);
  const cells = cellWidths(rows, columns.length);
  const line = (texts: readonly string[]) => texts.map((c, i) => (columns[i]?.numeric ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' '.repeat(GAP)).trimEnd();
  const titles = columns.map((c, i) => titleLines(c.title, cells[i] ?? 0));
  const head = titles.some(([, second]) => second !== '') ? [line(titles.map(([first, second]) => (second === '' ? '' : first))), line(titles.map(([first, second]) => (second === '' ? first : second)))] : [line(titles.map(([first]) => first))];
  return [...head, line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export interface TextOptions {
  /** Columns available; 0 or Infinity: no limit. */
  readonly width: number;
  /** The reader chose the columns (--columns): none is dropped, the table wraps instead. */
  readonly chosen: boolean;
}

/** The text table fitted to `width`, and a note for what it left out. */
export function textTable(table: ResultTable, options: TextOptions): string {
  const width = options.width > 0 ? options.width : Infinity;
  let columns = [...table.columns];
  let cells = table.rows.map((r) => [...r.cells]);
  const dropped: string[] = [];
  const marked = new Map<string, number>();
  const statusAt = columns.findIndex((c) => c.kind === 'status');
  const runAt = columns.findIndex((c) => c.kind === 'run');
  if (!options.chosen && statusAt >= 0 && runAt >= 0) {
    // The status as a mark after the run's name: a column of "finished" would take the width of "interrupted".
    cells = cells.map((r) => {
      const status = r[statusAt] ?? '';
      const mark = STATUS_MARKS[status];
      if (mark !== undefined) marked.set(status, (marked.get(status) ?? 0) + 1);
      return r.map((c, i) => (i === runAt && mark !== undefined ? `${c} ${mark}` : c)).filter((_, i) => i !== statusAt);
    });
    columns = columns.filter((_, i) => i !== statusAt);
  }
  const fits = () => total(widthsOf(columns, cells)) <= width;
  if (!options.chosen) {
    // Metric columns a reader can spare, least needed first.
    const rank = (c: TableColumn) => METRIC_DROP_ORDER.indexOf(c.id as MetricName);
    const optional = columns.filter((c) => c.optional).sort((a, b) => rank(a) - rank(b));
    for (const c of optional) {
      if (fits()) break;
      const at = columns.indexOf(c);
      columns.splice(at, 1);
      cells = cells.map((r) => r.filter((_, i) => i !== at));
      dropped.push(c.title);
    }
  }
  if (!fits()) {
    // Long setting values (layer lists, paths) shortened; the full text is in CSV, JSON and Markdown.
    cells = cells.map((r) => r.map((c, i) => (columns[i]?.kind === 'setting' || columns[i]?.kind === 'swept' || columns[i]?.kind === 'run' ? shorten(c, LONG_CELL) : c)));
  }
  const blocks: string[] = [];
  if (fits() || columns.length <= 1) blocks.push(textBlock(columns, cells));
  else {
    // Wrap: blocks of the columns that fit, each after the run column.
    const widths = widthsOf(columns, cells);
    let start = 1;
    while (start < columns.length) {
      const chosen = [0];
      let used = widths[0] ?? 0;
      for (let i = start; i < columns.length; i++) {
        const w = (widths[i] ?? 0) + GAP;
        if (chosen.length > 1 && used + w > width) break;
        chosen.push(i);
        used += w;
      }
      const shown = chosen.flatMap((i) => (columns[i] ? [columns[i]] : []));
      blocks.push(textBlock(shown, cells.map((r) => chosen.map((i) => r[i] ?? ''))));
      start = (chosen[chosen.length - 1] ?? start) + 1;
    }
  }
  const notes = [...table.notes];
  if (marked.size > 0) notes.unshift(`marks: ${[...marked].map(([status, n]) => `${STATUS_MARKS[status] ?? '?'} ${status} (${n})`).join(', ')}`);
  if (dropped.length > 0) notes.push(`not shown to fit ${width} columns: ${dropped.join(', ')} (--columns chooses; --format csv or markdown has every column)`);
  if (blocks.length > 1) notes.push(`wrapped into ${blocks.length} blocks to fit ${width} columns (--columns chooses fewer)`);
  return `${blocks.join('\n\n')}\n${notes.map((n) => `${wrapNote(n, width)}\n`).join('')}`;
}

/** A note as lines of at most `width` characters (a word longer than that stays whole). */
function wrapNote(note: string, width: number): string {
  if (!Number.isFinite(width) || note.length + 6 <= width) return `note: ${note}`;
  const lines: string[] = [];
  let line = 'note:';
  for (const word of note.split(' ')) {
    if (line.length + 1 + word.length > width && line.trim() !== '' && line !== 'note:') {
      lines.push(line);
      line = `     ${word}`;
    } else line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

function markdownTable(table: ResultTable): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return (
    [
      `| ${table.columns.map((c) => esc(c.title)).join(' | ')} |`,
      `|${table.columns.map((c) => (c.numeric ? '---:' : ':---')).join('|')}|`,
      ...table.rows.map((r) => `| ${r.cells.map(esc).join(' | ')} |`),
    ].join('\n') +
    '\n' +
    table.notes.map((n) => `\n${n.charAt(0).toUpperCase()}${n.slice(1)}.\n`).join('')
  );
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV: every column by its id (the full key), values as measured (fractions, not percentages). */
function csvTable(table: ResultTable): string {
  const header = table.columns.flatMap((c) => (c.kind === 'run' ? ['member', 'dir'] : [c.id]));
  const body = table.rows.map((r: TableRow) =>
    table.columns.flatMap((c, i) => {
      const v = r.values[i];
      if (c.kind === 'run') return [r.run?.name ?? '', r.run?.dir ?? ''];
      return [v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)];
    }),
  );
  return [header, ...body].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** JSON: one object per run: member, dir, status, epochs, the swept values, the differing settings and the metrics. */
function jsonTable(table: ResultTable): string {
  const records = table.rows.map((r) => {
    const values: Record<string, unknown> = {};
    const settings: Record<string, unknown> = {};
    table.columns.forEach((c, i) => {
      if (c.kind === 'swept') values[c.id] = r.values[i] ?? null;
      if (c.kind === 'setting') settings[c.id] = r.values[i] ?? null;
    });
    return {
      member: r.run?.name ?? null,
      dir: r.run?.dir ?? null,
      status: r.run?.status ?? null,
      epochs: r.run?.epochs ?? null,
      ...(r.run?.epochsTarget !== undefined ? { epochs_target: r.run.epochsTarget } : {}),
      values,
      settings,
      metrics: r.run?.metrics ?? {},
    };
  });
  return `${JSON.stringify(records, null, 2)}\n`;
}

export function formatTable(table: ResultTable, format: ResultFormat, text: TextOptions = { width: 80, chosen: false }): string {
  switch (format) {
    case 'text':
      return textTable(table, text);
    case 'markdown':
      return markdownTable(table);
    case 'csv':
      return csvTable(table);
    case 'json':
      return jsonTable(table);
  }
}
