/**
 * From a merged spec document to a ResolvedSpec: JSON Schema validation,
 * defaults, semantic checks. Collects every diagnostic it can in one pass: when
 * the schema rejects some values, those values are dropped so their defaults
 * stand in, and the semantic checks still run on the rest (unless a required
 * key is missing, when there is nothing sound to check).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import type { FileSystem } from '../../host/file-system.js';
import type { ResolvedSpec } from './resolved-spec.js';
import { resolveSpec } from './resolve.js';
import { validateDocument } from './schema.js';
import { runSemanticChecks } from './semantic.js';
import { checkExport } from './export-checks.js';
import { checkStrings } from './string-checks.js';
import type { JsonObject, MutableJsonObject } from './spec-document.js';
import { cloneJson, getAtPointer, isJsonObject, joinPointer, splitPointer } from './spec-document.js';
import type { SpanMap } from './span-map.js';

export interface DocumentInput {
  readonly document: JsonObject;
  readonly spans: SpanMap;
  /** After syntax errors or an unreadable base, "missing key" errors are likely consequences; they are then left out. */
  readonly incomplete: boolean;
  /** Keys the user tried to set but could not (their error is already reported): not reported missing again. */
  readonly attempted?: ReadonlySet<string>;
}

/** Codes of "something is missing" schema errors. */
const MISSING_CODES = new Set(['IB2004', 'IB2009']);

export function checkDocument(input: DocumentInput, fs: FileSystem, specPath: string): { spec?: ResolvedSpec; diagnostics: Diagnostic[] } {
  // Control characters and malformed Slurm values: reported whatever else is wrong, where they are written.
  const diagnostics: Diagnostic[] = checkStrings(input.document, input.spans);
  const schema = validateDocument(input.document, input.spans, input.attempted);
  for (const item of schema.diagnostics.filter((d) => !(input.incomplete && MISSING_CODES.has(d.code)))) diagnostics.push(item);
  let valid = schema.document;
  let placeholders = new Set<string>();
  if (!valid) {
    const document = withoutValues(input.document, schema.invalid);
    const pruned = validateDocument(document, input.spans);
    valid = pruned.document;
    if (!valid) {
      placeholders = brokenSections(pruned.errorPointers);
      if (placeholders.size === 0) return { diagnostics };
      valid = validateDocument(withPlaceholders(document, placeholders), input.spans).document;
      if (!valid) return { diagnostics };
    }
  }
  const spec = resolveSpec(valid, input.spans, fs, specPath);
  for (const item of runSemanticChecks({ spec, document: valid, spans: input.spans, placeholders })) diagnostics.push(item);
  if (!placeholders.has('export')) for (const item of checkExport(spec, input.spans)) diagnostics.push(item);
  return hasErrors(diagnostics) ? { diagnostics } : { spec, diagnostics };
}

/**
 * Minimal stand-ins for sections that are still broken after pruning (a
 * required key is missing), so that the other sections can be resolved and
 * checked. Checks that read a stand-in are skipped, and a spec with errors is
 * never returned, so stand-ins never leave this module.
 */
const PLACEHOLDERS: Readonly<Record<string, JsonObject>> = {
  model: { input: [1, 1, 1], classes: 2, backbone: { kind: 'custom', stages: [] } },
  data: { kind: 'synthetic' },
  train: {},
  export: {},
};

/** The top-level sections the pointers fall in; empty when any lies elsewhere (then nothing can stand in). */
function brokenSections(pointers: readonly string[]): Set<string> {
  const sections = new Set<string>();
  for (const pointer of pointers) {
    const section = splitPointer(pointer)[0];
    if (section === undefined || !(section in PLACEHOLDERS)) return new Set();
    sections.add(section);
  }
  return sections;
}

function withPlaceholders(doc: JsonObject, sections: ReadonlySet<string>): JsonObject {
  const copy = { ...doc } as MutableJsonObject;
  for (const section of sections) {
    const placeholder = PLACEHOLDERS[section];
    if (placeholder !== undefined) copy[section] = placeholder;
  }
  return copy;
}

/** A copy of `doc` without the values at `pointers` (an item of a list drops the whole list, so lengths stay honest). */
function withoutValues(doc: JsonObject, pointers: readonly string[]): JsonObject {
  const copy = cloneJson(doc) as MutableJsonObject;
  for (const pointer of pointers) {
    const parts = splitPointer(pointer);
    while (/^\d+$/.test(parts.at(-1) ?? '')) parts.pop();
    const last = parts.at(-1);
    if (last === undefined) continue;
    const parent = getAtPointer(copy, joinPointer(parts.slice(0, -1)));
    if (isJsonObject(parent)) delete (parent as MutableJsonObject)[last];
  }
  return copy;
}
