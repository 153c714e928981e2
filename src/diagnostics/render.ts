/**
 * Diagnostics for people (code frames with carets, rustc/TypeScript style)
 * and for programs (a flat JSON record per diagnostic).
 *
 *   model.ibspec:3:18: error IB1201: expected a value after '=' but found end of line
 *     3 |   conv 32 kernel=
 *       |                  ^
 *     help: did you mean 'kernel'?
 *     note: model.ibspec:2:3: the option 'x' is here
 *
 *   1 error
 */
import type { Diagnostic, Severity, Span } from './diagnostic.js';

export interface RenderOptions {
  /** ANSI colours (for a terminal). Default false. */
  readonly color?: boolean;
  /** At most this many diagnostics are shown in full; the rest are counted ("and 19,950 more"). Default 50. */
  readonly limit?: number;
}

/** A flood of errors is one mistake repeated or a file that is not a spec: the first screenfuls say it all. */
export const DEFAULT_RENDER_LIMIT = 50;

/** The JSON form of a diagnostic. Lines and columns are 1-based; a diagnostic without a source span has file "", line 0 and column 0. */
export interface JsonDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  readonly suggestion?: string;
}

export function diagnosticsToJson(diagnostics: readonly Diagnostic[]): JsonDiagnostic[] {
  return diagnostics.map((d) => ({
    file: d.span?.file ?? '',
    line: d.span?.start.line ?? 0,
    column: d.span?.start.column ?? 0,
    endLine: d.span?.end.line ?? 0,
    endColumn: d.span?.end.column ?? 0,
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.suggestion !== undefined ? { suggestion: d.suggestion } : {}),
  }));
}

const TAB_WIDTH = 4;
/** Lines longer than this (in display columns) are shown as a window around the span. */
const MAX_LINE_WIDTH = 120;
/** Spans over more lines than this show only their first and last two lines. */
const MAX_SPAN_LINES = 6;

interface Style {
  severity(severity: Severity, text: string): string;
  gutter(text: string): string;
  bold(text: string): string;
}

const plain: Style = { severity: (_s, t) => t, gutter: (t) => t, bold: (t) => t };
const SEVERITY_COLOR: Readonly<Record<Severity, string>> = { error: '31', warning: '33', info: '36' };
const ansi: Style = {
  severity: (s, t) => `\u001b[1;${SEVERITY_COLOR[s]}m${t}\u001b[0m`,
  gutter: (t) => `\u001b[34m${t}\u001b[0m`,
  bold: (t) => `\u001b[1m${t}\u001b[0m`,
};

export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  options: RenderOptions = {},
): string {
  if (diagnostics.length === 0) return '';
  const style = options.color ? ansi : plain;
  const limit = Math.max(1, options.limit ?? DEFAULT_RENDER_LIMIT);
  // Each file is split into lines once, however many diagnostics point into it.
  const lines = new Map<string, readonly string[]>();
  const linesOf = (file: string): readonly string[] | undefined => {
    const cached = lines.get(file);
    if (cached) return cached;
    const source = sources.get(file);
    if (source === undefined) return undefined;
    const split = splitLines(source);
    lines.set(file, split);
    return split;
  };
  const blocks = diagnostics.slice(0, limit).map((d) => renderOne(d, linesOf, style));
  const hidden = diagnostics.length - limit;
  const more = hidden > 0 ? `... and ${hidden.toLocaleString('en-US')} more (--format json lists them all)\n` : '';
  return `${blocks.join('\n')}\n${more}${summary(diagnostics)}\n`;
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const count = (s: Severity) => diagnostics.filter((d) => d.severity === s).length;
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  const errors = count('error');
  const warnings = count('warning');
  const infos = count('info');
  if (errors > 0 || (warnings === 0 && infos === 0)) parts.push(plural(errors, 'error'));
  if (warnings > 0) parts.push(plural(warnings, 'warning'));
  if (infos > 0) parts.push(plural(infos, 'note'));
  return parts.join(', ');
}

function location(span: Span | undefined): string {
  return span ? `${span.file}:${span.start.line}:${span.start.column}: ` : '';
}

function renderOne(d: Diagnostic, linesOf: (file: string) => readonly string[] | undefined, style: Style): string {
  const lines: string[] = [];
  const label = d.severity === 'info' ? 'note' : d.severity;
  lines.push(`${style.bold(location(d.span))}${style.severity(d.severity, `${label} ${d.code}`)}: ${style.bold(d.message)}`);
  const source = d.span ? linesOf(d.span.file) : undefined;
  const frame = d.span && source !== undefined ? codeFrameOfLines(d.span, source, d.severity, style) : [];
  for (const item of frame) lines.push(item);
  if (d.suggestion !== undefined) lines.push(`  ${style.bold('help')}: did you mean '${d.suggestion}'?`);
  for (const r of d.related ?? []) {
    lines.push(`  ${style.bold('note')}: ${location(r.span)}${r.message}`);
    // A secondary label: the related span underlined with '-' (as rustc does).
    const relatedSource = r.frame === true ? linesOf(r.span.file) : undefined;
    if (relatedSource !== undefined) for (const item of codeFrameOfLines(r.span, relatedSource, 'info', style, '-')) lines.push(item);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A line as terminal cells: one entry per display column (a tab becomes four
 * spaces, a wide character is followed by an empty cell), and the cell where
 * each code point starts, so carets line up under what the terminal shows.
 */
function layoutLine(text: string): { cells: string[]; columns: number[] } {
  const cells: string[] = [];
  const columns: number[] = [];
  for (const c of Array.from(text)) {
    columns.push(cells.length);
    if (c === '\t') {
      for (let i = 0; i < TAB_WIDTH; i++) cells.push(' ');
      continue;
    }
    const width = displayWidth(c.codePointAt(0) ?? 0);
    if (width === 0 && cells.length > 0) {
      cells[cells.length - 1] += c; // a combining mark joins the previous cell
      columns[columns.length - 1] = cells.length - 1;
      continue;
    }
    cells.push(c);
    if (width === 2) cells.push('');
  }
  columns.push(cells.length);
  return { cells, columns };
}

/** Terminal width of a code point: 0 for combining marks, 2 for East Asian wide characters and emoji, else 1. */
function displayWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

/** Lines without their '\r'; a leading byte-order mark is dropped, as columns do not count it. */
function splitLines(source: string): string[] {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  return text.split(/\r\n|\r|\n/);
}

interface FrameLine {
  readonly number: number;
  readonly cells: readonly string[];
  /** Display columns [from, to) to underline, if any. */
  readonly underline?: readonly [number, number];
}

export function codeFrame(span: Span, source: string, severity: Severity, style: Style = plain): string[] {
  return codeFrameOfLines(span, splitLines(source), severity, style);
}

/** `marker` underlines the span: '^' for the primary span, '-' for a related (secondary) one. */
function codeFrameOfLines(span: Span, all: readonly string[], severity: Severity, style: Style, marker = '^'): string[] {
  const startLine = Math.min(Math.max(1, span.start.line), all.length);
  // a span that ends at column 1 of a later line ends, visibly, at the end of the line before
  let endLine = Math.min(Math.max(startLine, span.end.line), all.length);
  let endColumn = span.end.line > all.length ? Infinity : span.end.column;
  if (endLine > startLine && endColumn <= 1) {
    endLine -= 1;
    endColumn = Infinity;
  }
  const frame: FrameLine[] = [];
  for (let n = startLine; n <= endLine; n++) {
    const { cells, columns } = layoutLine(all[n - 1] ?? '');
    // columns ends with the cell after the line's end, the fallback for a column past it
    const colAt = (column: number) => (columns[Math.min(Math.max(column - 1, 0), columns.length - 1)] ?? cells.length) + Math.max(0, column - columns.length);
    const indentation = cells.findIndex((c) => c !== ' ');
    const from = n === startLine ? colAt(span.start.column) : indentation === -1 ? 0 : indentation;
    let to = n === endLine && Number.isFinite(endColumn) ? colAt(endColumn) : cells.length;
    if (to <= from) to = from + 1;
    frame.push({ number: n, cells, underline: [from, to] });
  }
  const shown: (FrameLine | undefined)[] =
    frame.length > MAX_SPAN_LINES ? [frame[0], frame[1], undefined, frame[frame.length - 2], frame[frame.length - 1]] : frame;
  const width = String(endLine).length;
  const gutter = (label: string) => style.gutter(`${label.padStart(width + 2)} |`);
  const out: string[] = [];
  for (const line of shown) {
    if (!line) {
      out.push(style.gutter(`${' '.repeat(width + 2)} ...`));
      continue;
    }
    const [text, underline] = windowed(line.cells, line.underline ?? [0, 0]);
    out.push(`${gutter(String(line.number))}${text.length > 0 ? ` ${text}` : ''}`);
    out.push(`${gutter('')} ${' '.repeat(underline[0])}${style.severity(severity, marker.repeat(underline[1] - underline[0]))}`);
  }
  return out;
}

/** Cuts a very long line to a window around the underline, marking the cuts with '…'. */
function windowed(cells: readonly string[], underline: readonly [number, number]): [string, [number, number]] {
  if (cells.length <= MAX_LINE_WIDTH) return [cells.join(''), [underline[0], underline[1]]];
  const start = Math.max(0, underline[0] - 40);
  const end = Math.min(cells.length, start + MAX_LINE_WIDTH);
  const prefix = start > 0 ? '…' : '';
  const suffix = end < cells.length ? '…' : '';
  const from = underline[0] - start + prefix.length;
  const to = Math.min(underline[1] - start, end - start + 1) + prefix.length;
  return [`${prefix}${cells.slice(start, end).join('')}${suffix}`, [from, Math.max(from + 1, to)]];
}
