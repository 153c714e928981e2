/**
 * Sweeps given on the command line, Hydra style, and the command line's say
 * over a spec's own sweep:
 *
 *   ibc sweep spec.ibspec model.attention.beta=0.001,0.01,0.1 train.seed=1,2
 *
 * An override whose value is a comma-separated list (commas outside brackets
 * and quotes) is an axis: one member per value, like `PATH in [v1, v2]` in the
 * spec's sweep. It replaces the spec's axis for the same path (keeping its
 * place in a `zip`), or is added after the spec's axes. A single value for a
 * path the spec sweeps pins it: that axis is dropped and every member (or the
 * one run `ibc train` makes) gets the value. Either way a note says what the
 * command line replaced, so nothing the spec says is overruled silently.
 *
 * Only commands that run or list sweeps (sweep, expand, check) take lists;
 * elsewhere a list is an error that names `ibc sweep`.
 */
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { jsonToSpecText } from './ast-values.js';
import { isJsonObject, type Json, type MutableJsonObject } from './spec-document.js';
import type { MutableSpanMap } from './span-map.js';

/** One comma-separated piece of an override's value, with its offset in the whole override text. */
export interface ValuePiece {
  readonly text: string;
  readonly offset: number;
}

/**
 * The pieces of `text` (an override's value, which starts at `start` in the
 * override) at commas outside brackets and double quotes. One piece for a plain
 * value; an empty piece (`0.1,,0.2`, a trailing comma) is kept, so the caller
 * can report it where it is.
 */
export function splitValueList(text: string, start = 0): ValuePiece[] {
  const pieces: ValuePiece[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      pieces.push(trimmed(text.slice(from, i), start + from));
      from = i + 1;
    }
  }
  pieces.push(trimmed(text.slice(from), start + from));
  return pieces;
}

function trimmed(text: string, offset: number): ValuePiece {
  const lead = text.length - text.trimStart().length;
  return { text: text.trim(), offset: offset + lead };
}

/** Whether an override (`PATH=VALUE`) lists several values: a command-line sweep axis. */
export function isListOverride(text: string): boolean {
  const equals = text.indexOf('=');
  return equals >= 0 && splitValueList(text.slice(equals + 1)).length > 1;
}

/** A command-line axis, read and located: its values and where each was typed. */
export interface CommandLineAxis {
  readonly text: string;
  readonly path: string;
  readonly values: readonly Json[];
  readonly valueSpans: readonly Span[];
  /** The whole override and its path, for notes and errors. */
  readonly span: Span;
  readonly pathSpan: Span;
}

/** A single-value override, for pinning: its path, value and where it was typed. */
export interface CommandLineValue {
  readonly path: string;
  readonly value: Json;
  readonly pathSpan: Span;
}

interface SweepItem {
  readonly item: Json;
  /** Its index in the spec's sweep list (for its spans), or undefined for an axis from the command line. */
  readonly from?: number;
  readonly axis?: CommandLineAxis;
}

function itemPath(item: Json): string | undefined {
  return isJsonObject(item) && typeof item.path === 'string' ? item.path : undefined;
}

function listText(values: readonly Json[]): string {
  return `[${values.map(jsonToSpecText).join(', ')}]`;
}

/** The values an entry sweeps, as the spec wrote them (`seeds 3` as its offsets from train.seed). */
function entryText(item: Json): string {
  if (!isJsonObject(item)) return '?';
  if (typeof item.seeds === 'number') return `seeds ${item.seeds}`;
  return Array.isArray(item.values) ? listText(item.values as readonly Json[]) : '?';
}

/**
 * Applies command-line axes and pins to `document.sweep` (in place) and moves
 * the sweep's spans to its new indices. Returns the notes (what was replaced)
 * and errors (a zip group whose lists no longer pair up).
 */
export function applyCommandLineSweep(document: MutableJsonObject, spans: MutableSpanMap, axes: readonly CommandLineAxis[], pins: readonly CommandLineValue[]): Diagnostic[] {
  const raw = document.sweep;
  const original: readonly Json[] = Array.isArray(raw) ? (raw as readonly Json[]) : [];
  if (axes.length === 0 && !pins.some((p) => original.some((item) => itemPath(item) === p.path))) return [];
  const diagnostics: Diagnostic[] = [];
  const byPath = new Map(axes.map((a) => [a.path, a] as const));
  const pinned = new Map(pins.map((p) => [p.path, p] as const));
  const kept: SweepItem[] = [];
  const settings: SweepItem[] = [];
  original.forEach((item, from) => {
    const path = itemPath(item);
    if (path === undefined) {
      settings.push({ item, from });
      return;
    }
    const pin = pinned.get(path);
    if (pin) {
      diagnostics.push(diagnostic('overrideOfSweptPath', { span: pin.pathSpan, args: { path, was: entryText(item), now: jsonToSpecText(pin.value) } }));
      return;
    }
    const axis = byPath.get(path);
    if (!axis) {
      kept.push({ item, from });
      return;
    }
    byPath.delete(path);
    diagnostics.push(diagnostic('overrideOfSweptPath', { span: axis.pathSpan, args: { path, was: entryText(item), now: listText(axis.values) } }));
    const zip = isJsonObject(item) && typeof item.zip === 'number' ? item.zip : undefined;
    kept.push({ item: { path, values: [...axis.values], ...(zip !== undefined ? { zip } : {}) }, from, axis });
  });
  for (const axis of byPath.values()) kept.push({ item: { path: axis.path, values: [...axis.values] }, axis });
  diagnostics.push(...zipMismatches(kept));

  // The swept entries first and the `slurm` settings last, as the document builder orders them (sweep.ts relies on it).
  const items = [...kept, ...settings];
  const moved: MutableSpanMap = { values: new Map(), keys: new Map() };
  items.forEach(({ from, axis }, index) => {
    const to = `/sweep/${index}`;
    if (from !== undefined) {
      const at = `/sweep/${from}`;
      for (const table of ['values', 'keys'] as const) {
        for (const [p, s] of spans[table]) {
          if (p !== at && !p.startsWith(`${at}/`)) continue;
          if (axis && p.startsWith(`${at}/values`)) continue; // replaced by the command line's values
          moved[table].set(to + p.slice(at.length), s);
        }
      }
    } else if (axis) {
      moved.values.set(to, axis.span);
      moved.keys.set(to, axis.pathSpan);
      moved.values.set(`${to}/path`, axis.pathSpan);
    }
    if (axis) axis.valueSpans.forEach((s, j) => moved.values.set(`${to}/values/${j}`, s));
  });
  for (const table of ['values', 'keys'] as const) {
    for (const p of [...spans[table].keys()]) if (p.startsWith('/sweep/')) spans[table].delete(p);
    for (const [p, s] of moved[table]) spans[table].set(p, s);
  }
  if (items.length > 0) document.sweep = items.map((i) => i.item);
  else delete document.sweep;
  return diagnostics;
}

/** A zip group whose lists are no longer equally long after the command line replaced one: IB3207 at the command line's list. */
function zipMismatches(items: readonly SweepItem[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const groups = new Map<number, SweepItem[]>();
  for (const entry of items) {
    const zip = isJsonObject(entry.item) && typeof entry.item.zip === 'number' ? entry.item.zip : undefined;
    if (zip === undefined) continue;
    groups.set(zip, [...(groups.get(zip) ?? []), entry]);
  }
  for (const group of groups.values()) {
    const lengths = group.map((g) => (isJsonObject(g.item) && Array.isArray(g.item.values) ? g.item.values.length : 0));
    const first = group.find((g) => !g.axis) ?? group[0];
    const firstLength = lengths[group.indexOf(first!)] ?? 0;
    group.forEach((g, i) => {
      if (!g.axis || lengths[i] === firstLength || g === first) return;
      out.push(diagnostic('zipLengthMismatch', { span: g.axis.span, args: { path: g.axis.path, count: lengths[i] ?? 0, first: itemPath(first!.item) ?? '?', expected: firstLength } }));
    });
  }
  return out;
}

/** IB3500: a list of values where one run is made. */
export function listOutsideSweep(axis: CommandLineAxis): Diagnostic {
  return diagnostic('overrideListOutsideSweep', { span: axis.span, args: { path: axis.path, count: axis.values.length, text: axis.text } });
}
