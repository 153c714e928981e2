/**
 * Diagnostics are values, never exceptions. Every compiler stage returns
 * `Result<T>`: a value (possibly partial) and the diagnostics it found.
 */

/** A position in a source file. Lines and columns are 1-based; offset is 0-based. */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** A half-open source range [start, end) in one file. */
export interface Span {
  readonly file: string;
  readonly start: Position;
  readonly end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedInformation {
  readonly message: string;
  readonly span: Span;
  /** Show the related span's line with a secondary ('-') underline, when it is a cause worth seeing in place. */
  readonly frame?: boolean;
}

export interface Diagnostic {
  /** Stable code from the catalog, e.g. "IB1203". */
  readonly code: string;
  readonly severity: Severity;
  /** One line, no trailing period needed. */
  readonly message: string;
  /** Where the problem is. Absent only for problems that have no source (e.g. a missing file given on the command line). */
  readonly span?: Span;
  /** A replacement the user probably meant ("did you mean ...?"). */
  readonly suggestion?: string;
  readonly related?: readonly RelatedInformation[];
}

export interface Result<T> {
  /** The stage's output. May be present (partial) even when there are errors, so later stages can keep reporting. */
  readonly value: T | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function ok<T>(value: T, diagnostics: readonly Diagnostic[] = []): Result<T> {
  return { value, diagnostics };
}

export function failed<T>(diagnostics: readonly Diagnostic[]): Result<T> {
  return { value: undefined, diagnostics };
}

/** Sort by file, then position, then code; drop exact duplicates (same code, span and message). */
export function sortAndDedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.code}|${d.span?.file ?? ''}|${d.span?.start.offset ?? -1}|${d.span?.end.offset ?? -1}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => {
    const fa = a.span?.file ?? '';
    const fb = b.span?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const oa = a.span?.start.offset ?? -1;
    const ob = b.span?.start.offset ?? -1;
    if (oa !== ob) return oa - ob;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
