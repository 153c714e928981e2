/**
 * Hydra-style command-line overrides: `ibc train spec.ibspec
 * model.attention.beta=0.1 train.seed=3`. Each override is read as one line of
 * spec text (`PATH VALUE`), through the same parser and document builder as a file, so
 * it is checked like the spec itself; its diagnostics are located in the
 * override's own text (the "file" is `override 'PATH=VALUE'`, column 1 is its
 * first character). The overrides are merged over the spec's document after
 * `extends`, before the schema and the checks run; the spec keeps its name
 * and its sweep, except where the command line sweeps or pins a path
 * (command-line-sweep.ts: `PATH=a,b,c` is an axis of `ibc sweep`).
 */
import type { Diagnostic, Result, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { parseSpec } from '../../grammar/parse.js';
import { documentFromAst } from './from-ast.js';
import { mergeDocuments } from './extends.js';
import type { DocumentInput } from './check-document.js';
import type { Json, MutableJsonObject } from './spec-document.js';
import { emptySpanMap, type MutableSpanMap } from './span-map.js';
import { joinPointer, getAtPointer } from './spec-document.js';
import { applyCommandLineSweep, listOutsideSweep, splitValueList, isListOverride, type CommandLineAxis, type CommandLineValue } from './command-line-sweep.js';

/** `a.b.c=...` or `name=...`: a word or dotted path, then `=`; Hydra's `+a.b=...` (add) and `~a.b` (remove) are recognised too. */
const OVERRIDE_SHAPE = /^[+~]?[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*\s*=/;

/** Whether a command-line argument is an override (rather than a file name or an option). */
export function isOverrideArgument(arg: string): boolean {
  return OVERRIDE_SHAPE.test(arg);
}

/** The pseudo file name an override's diagnostics are located in. */
export function overrideLabel(text: string): string {
  return `override '${text}'`;
}

/** The dotted path an override sets (the text before its `=`, without Hydra's `+`). */
export function overridePath(text: string): string {
  return text.slice(0, text.indexOf('=')).trim().replace(/^[+~]/, '');
}

/** Registers each override's text under its label, so code frames can show it. */
export function addOverrideSources(texts: readonly string[], sources: Map<string, string>): void {
  for (const text of texts) sources.set(overrideLabel(text), text);
}

interface OverridesDocument {
  readonly document: MutableJsonObject;
  readonly spans: MutableSpanMap;
  readonly attempted: ReadonlySet<string>;
  /** The overrides that list several values (`PATH=a,b,c`): sweep axes, not merged into the document. */
  readonly axes: readonly CommandLineAxis[];
  /** The single-value overrides, read. */
  readonly values: readonly CommandLineValue[];
}

/** An override statement's text with its `=` (and Hydra's leading `+`) as spaces: same length, so every column still points into the text as typed. */
function statementText(text: string, equals: number): string {
  return `${text.slice(0, equals).replace(/^\+/, ' ')} ${text.slice(equals + 1)}`;
}

/** Parses `statement` (one spec line located in `file`) into a document; its diagnostics go to `diagnostics`. */
function buildStatement(statement: string, file: string, diagnostics: Diagnostic[]): { document: MutableJsonObject; spans: MutableSpanMap; attempted: ReadonlySet<string> } | undefined {
  const parsed = parseSpec(statement, file);
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.value) return undefined;
  const built = documentFromAst(parsed.value);
  diagnostics.push(...built.diagnostics);
  if (!built.value) return undefined;
  built.value.spans.keys.delete(''); // the start of an override is not where "the spec needs X" belongs
  return built.value;
}

/**
 * `PATH=a,b,c` read value by value: each piece is parsed as the statement `PATH piece`,
 * padded so that its columns are those of the override as typed.
 */
function readAxis(text: string, path: string, equals: number, whole: Span, pathSpan: Span, diagnostics: Diagnostic[], attempted: Set<string>): CommandLineAxis | undefined {
  const file = whole.file;
  const pointer = joinPointer(path.split('.'));
  const values: Json[] = [];
  const valueSpans: Span[] = [];
  let ok = true;
  for (const piece of splitValueList(text.slice(equals + 1), equals + 1)) {
    const at: Span = { file, start: { offset: piece.offset, line: 1, column: piece.offset + 1 }, end: { offset: piece.offset + piece.text.length, line: 1, column: piece.offset + piece.text.length + 1 } };
    if (piece.text === '') {
      diagnostics.push(diagnostic('malformedOverride', { span: at, args: { reason: 'a list of values (a sweep) is VALUE,VALUE,... with no empty value' } }));
      ok = false;
      continue;
    }
    const statement = text.slice(0, equals).replace(/^\+/, ' ').padEnd(piece.offset, ' ') + piece.text;
    const built = buildStatement(statement, file, diagnostics);
    if (!built) {
      ok = false;
      continue;
    }
    for (const p of built.attempted) attempted.add(p);
    const value = getAtPointer(built.document, pointer);
    if (value === undefined) {
      ok = false;
      continue;
    }
    values.push(value);
    valueSpans.push(built.spans.values.get(pointer) ?? at);
  }
  return ok ? { text, path, values, valueSpans, span: whole, pathSpan } : undefined;
}

/** Parses every override and builds its document; those that build are merged in order into one document. */
export function overridesDocument(texts: readonly string[]): Result<OverridesDocument> {
  const diagnostics: Diagnostic[] = [];
  let merged: { document: MutableJsonObject; spans: MutableSpanMap } = { document: {}, spans: emptySpanMap() };
  const attempted = new Set<string>();
  const axes: CommandLineAxis[] = [];
  const values: CommandLineValue[] = [];
  const firstAt = new Map<string, Span>();
  for (const text of texts) {
    const file = overrideLabel(text);
    const whole: Span = { file, start: { offset: 0, line: 1, column: 1 }, end: { offset: text.length, line: 1, column: text.length + 1 } };
    const equals = text.indexOf('=');
    if (!isOverrideArgument(text) || /[\n\r;{}#]/.test(text)) {
      diagnostics.push(diagnostic('malformedOverride', { span: whole, args: { reason: 'it must be one path, then =, then one value' } }));
      continue;
    }
    const path = overridePath(text);
    const first = firstAt.get(path);
    const pathSpan: Span = { file, start: whole.start, end: { offset: equals, line: 1, column: equals + 1 } };
    if (first) {
      diagnostics.push(diagnostic('duplicateOverride', { span: pathSpan, args: { path }, related: [{ message: `'${path}' is first overridden here`, span: first }] }));
      continue;
    }
    firstAt.set(path, pathSpan);
    if (text.startsWith('~')) {
      diagnostics.push(diagnostic('malformedOverride', { span: pathSpan, args: { reason: 'removing a key (~) is not supported: every key has a default; set the value you want instead' } }));
      continue;
    }
    if (path === 'extends' || path === 'sweep') {
      diagnostics.push(diagnostic('malformedOverride', { span: pathSpan, args: { reason: `'${path}' cannot be overridden from the command line` } }));
      continue;
    }
    if (isListOverride(text)) {
      if (path === 'name') {
        diagnostics.push(diagnostic('malformedOverride', { span: pathSpan, args: { reason: "'name' takes one value (a sweep names its members itself)" } }));
        continue;
      }
      const axis = readAxis(text, path, equals, whole, pathSpan, diagnostics, attempted);
      if (axis) axes.push(axis);
      continue;
    }
    // Setting a key with Hydra's leading `+` is adding it.
    const built = buildStatement(statementText(text, equals), file, diagnostics);
    if (!built) continue;
    for (const p of built.attempted) attempted.add(p);
    const value = getAtPointer(built.document, joinPointer(path.split('.')));
    if (value !== undefined) values.push({ path, value, pathSpan });
    merged = mergeKeepingAll(merged, built);
  }
  // The overrides that built are kept even when others did not, so the checks still run on them (every error in one pass).
  return { value: { ...merged, attempted, axes, values }, diagnostics };
}

/** mergeDocuments, except that `name` is kept (it drops what a file does not inherit). */
function mergeKeepingAll(
  base: { readonly document: MutableJsonObject; readonly spans: MutableSpanMap },
  child: { readonly document: MutableJsonObject; readonly spans: MutableSpanMap },
): { document: MutableJsonObject; spans: MutableSpanMap } {
  const out = mergeDocuments(base, child);
  if (base.document.name !== undefined && child.document.name === undefined) {
    out.document.name = base.document.name;
    for (const table of ['values', 'keys'] as const) {
      const span = base.spans[table].get('/name');
      if (span) out.spans[table].set('/name', span);
    }
  }
  return out;
}

export interface ApplyOverridesOptions {
  /** Whether a list of values (`PATH=a,b,c`) is a sweep axis (ibc sweep, expand, check); elsewhere it is an error (IB3500). */
  readonly sweeps?: boolean;
}

/**
 * The spec's document with the overrides merged over it. A single value for a
 * path the spec's sweep sets pins it (the axis is dropped, with a note); with
 * `sweeps`, a list of values is an axis of the sweep (command-line-sweep.ts).
 * The value is present even with errors, so that the checks still run;
 * callers drop it when any diagnostic is an error.
 */
export function applyOverrides(input: DocumentInput, texts: readonly string[], options: ApplyOverridesOptions = {}): Result<DocumentInput> {
  if (texts.length === 0) return { value: input, diagnostics: [] };
  const fromOverrides = overridesDocument(texts);
  if (!fromOverrides.value) return { value: input, diagnostics: fromOverrides.diagnostics };
  const diagnostics: Diagnostic[] = [...fromOverrides.diagnostics];
  const axes = options.sweeps === true ? fromOverrides.value.axes : [];
  if (options.sweeps !== true) for (const axis of fromOverrides.value.axes) diagnostics.push(listOutsideSweep(axis));
  const kept: Record<string, Json> = {};
  for (const key of ['name', 'sweep']) {
    const value = input.document[key];
    if (value !== undefined && fromOverrides.value.document[key] === undefined) kept[key] = value;
  }
  const merged = mergeDocuments(input, fromOverrides.value);
  const spans = merged.spans;
  for (const key of Object.keys(kept)) {
    for (const table of ['values', 'keys'] as const) {
      for (const [p, s] of input.spans[table]) if (p === `/${key}` || p.startsWith(`/${key}/`)) spans[table].set(p, s);
    }
  }
  const document: MutableJsonObject = { ...merged.document, ...kept };
  diagnostics.push(...applyCommandLineSweep(document, spans, axes, fromOverrides.value.values));
  return {
    value: {
      document,
      spans,
      incomplete: input.incomplete,
      attempted: new Set([...(input.attempted ?? []), ...fromOverrides.value.attempted]),
    },
    diagnostics,
  };
}

/**
 * The overrides as statements of a spec file (`model.attention.beta 0.1`), for
 * generated member specs; `name` is left out (the member's own name stands).
 */
export function overridesAsSpecLines(texts: readonly string[]): string[] {
  return texts.filter((t) => overridePath(t) !== 'name' && !isListOverride(t)).map((t) => `${overridePath(t)} ${t.slice(t.indexOf('=') + 1).trim()}`);
}
