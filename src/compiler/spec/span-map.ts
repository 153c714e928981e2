/**
 * Where each value of a spec document came from. Pointers are JSON pointers
 * into the document (`/model/attention/beta`). `values` holds the span of the
 * value (for a section: the whole statement), `keys` the span of the word that
 * introduced it (`beta`, or `lr` in `lr=0.1`). Spans carry their file, so after
 * `extends` merging a value still points at the file that defined it.
 */
import type { Span } from '../../diagnostics/diagnostic.js';
import { splitPointer, joinPointer } from './spec-document.js';

export interface SpanMap {
  readonly values: ReadonlyMap<string, Span>;
  readonly keys: ReadonlyMap<string, Span>;
}

export interface MutableSpanMap extends SpanMap {
  readonly values: Map<string, Span>;
  readonly keys: Map<string, Span>;
}

export function emptySpanMap(): MutableSpanMap {
  return { values: new Map(), keys: new Map() };
}

/** The pointer's ancestors, nearest first, ending with the pointer itself first: /a/b/c, /a/b, /a, ''. */
export function pointerAncestry(pointer: string): string[] {
  const parts = splitPointer(pointer);
  const out: string[] = [];
  for (let n = parts.length; n >= 0; n--) out.push(joinPointer(parts.slice(0, n)));
  return out;
}

/** The span of the value at `pointer`, else of its nearest located ancestor. */
export function locateValue(spans: SpanMap, pointer: string): Span | undefined {
  for (const p of pointerAncestry(pointer)) {
    const span = spans.values.get(p) ?? spans.keys.get(p);
    if (span) return span;
  }
  return undefined;
}

/** The span of the key that introduced `pointer` (e.g. `model` for /model), else the value's, else an ancestor's. */
export function locateKey(spans: SpanMap, pointer: string): Span | undefined {
  for (const p of pointerAncestry(pointer)) {
    const span = spans.keys.get(p) ?? spans.values.get(p);
    if (span) return span;
  }
  return undefined;
}

/** Copies `from` into `into` with every pointer prefixed by `prefix`. */
export function addSpansUnder(into: MutableSpanMap, prefix: string, from: SpanMap): void {
  for (const [p, s] of from.values) into.values.set(prefix + p, s);
  for (const [p, s] of from.keys) into.keys.set(prefix + p, s);
}

/** Drops every entry at or under `pointer`. */
export function removeSpansUnder(map: MutableSpanMap, pointer: string): void {
  for (const table of [map.values, map.keys]) {
    for (const p of [...table.keys()]) {
      if (p === pointer || p.startsWith(`${pointer}/`)) table.delete(p);
    }
  }
}
