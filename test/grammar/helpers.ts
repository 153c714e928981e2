/** Shared test helpers for the grammar tests. */
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';

/** `IB1201 2:5-2:6 message` (+ ` [related: 1:3-1:4 message]`, ` [suggestion: x]`): compact and readable in expectations. */
export function describe1(d: Diagnostic): string {
  const at = (s: NonNullable<Diagnostic['span']>) => `${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}`;
  let text = `${d.code} ${d.span ? at(d.span) : '-'} ${d.message}`;
  for (const r of d.related ?? []) text += ` [related ${at(r.span)} ${r.message}]`;
  if (d.suggestion !== undefined) text += ` [suggestion ${d.suggestion}]`;
  return text;
}

export function describeAll(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map(describe1);
}

/** A deep copy without `span` fields, for comparing trees built from different texts. */
export function withoutSpans<T>(node: T): T {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'span' ? undefined : value))) as T;
}
