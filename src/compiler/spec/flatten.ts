/**
 * A spec flattened into one self-contained file: `extends` merged in, file
 * paths (data, weights) made absolute, the sweep left out (a run is one experiment). Reading
 * it back gives the same resolved spec, hence the same spec hash, so a run
 * directory's copy can be checked, trained again or compared on its own.
 *
 * The text is printed from the merged spec document by walking the same rule
 * table the document builder walks (vocabulary.ts), backwards, then put in the
 * canonical layout by the formatter.
 */
import type { Result } from '../../diagnostics/diagnostic.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import type { FileSystem } from '../../host/file-system.js';
import { formatSpec, quoteString } from '../../grammar/format.js';
import { parseSpec } from '../../grammar/parse.js';
import { loadDocument } from './extends.js';
import { applyOverrides } from './overrides.js';
import { layerRules, topLevelRules, type RecordRule, type Rule, type RuleTable } from './vocabulary.js';
import { getAtPointer, isJsonObject, splitPointer, type Json, type JsonObject, type MutableJsonObject } from './spec-document.js';
import { dataPaths } from './data-paths.js';
import type { ResolvedSpec } from './resolved-spec.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['true', 'false', 'in', 'extends', 'sweep', 'repeat']);

function valueText(value: Json): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return IDENTIFIER.test(value) && !RESERVED.has(value) ? value : quoteString(value);
  if (Array.isArray(value)) return `[${(value as readonly Json[]).map(valueText).join(', ')}]`;
  throw new Error('flatten: an object has no single-value spec text');
}

function lines(text: string, depth: number): string {
  return `${'  '.repeat(depth)}${text}`;
}

function appendRuleFor(table: RuleTable, field: string): [string, RecordRule] | undefined {
  for (const [word, rule] of Object.entries(table)) {
    if (rule.form === 'record' && rule.append === field) return [word, rule];
  }
  return undefined;
}

function printLayers(layers: readonly Json[], depth: number, out: string[]): void {
  for (const layer of layers) {
    if (!isJsonObject(layer) || typeof layer['type'] !== 'string') throw new Error('flatten: a layer without a type');
    const rule = layerRules[layer['type']];
    if (!rule) throw new Error(`flatten: unknown layer '${layer['type']}'`);
    const { type, ...fields } = layer as MutableJsonObject;
    printRecord(String(type), { form: 'record', doc: rule.doc, positional: rule.positional, options: rule.options }, fields, depth, out);
  }
}

function printRecord(word: string, rule: RecordRule, value: Json, depth: number, out: string[]): void {
  if (!isJsonObject(value)) {
    out.push(lines(`${word} ${valueText(value)}`, depth));
    return;
  }
  const head = [word];
  const used = new Set<string>();
  for (const field of rule.positional ?? []) {
    const v = value[field];
    if (v === undefined || isJsonObject(v)) break;
    head.push(valueText(v));
    used.add(field);
  }
  for (const field of rule.options ?? []) {
    const v = value[field];
    if (v === undefined || used.has(field) || isJsonObject(v)) continue;
    head.push(`${field}=${valueText(v)}`);
    used.add(field);
  }
  const body: string[] = [];
  if (rule.layersField !== undefined && Array.isArray(value[rule.layersField])) {
    printLayers(value[rule.layersField] as readonly Json[], depth + 1, body);
    used.add(rule.layersField);
  }
  const rest = Object.fromEntries(Object.entries(value).filter(([k]) => !used.has(k)));
  if (rule.keys) printTable(rest, rule.keys, depth + 1, body);
  else if (Object.keys(rest).length > 0) throw new Error(`flatten: '${word}' has fields its statement cannot hold: ${Object.keys(rest).join(', ')}`);
  const needsBlock = body.length > 0 || rule.layersField !== undefined || (rule.keys !== undefined && used.size === 0);
  if (!needsBlock) {
    out.push(lines(head.join(' '), depth));
    return;
  }
  out.push(lines(`${head.join(' ')} {`, depth), ...body, lines('}', depth));
}

/** Shapes (`input`, `map`) read best as dimensions: 28x28x1. */
const DIMS_KEYS = new Set(['input', 'map']);

function isDims(value: Json): value is readonly number[] {
  return Array.isArray(value) && value.length >= 2 && (value as readonly Json[]).every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0);
}

function printStatement(word: string, rule: Rule, value: Json, depth: number, out: string[]): void {
  if (rule.form === 'value' && DIMS_KEYS.has(word) && isDims(value)) out.push(lines(`${word} ${value.join('x')}`, depth));
  else if (rule.form === 'value') out.push(lines(`${word} ${valueText(value)}`, depth));
  else if (rule.form === 'layers') {
    out.push(lines(`${word} {`, depth));
    printLayers(value as readonly Json[], depth + 1, out);
    out.push(lines('}', depth));
  } else printRecord(word, rule, value, depth, out);
}

function printTable(object: JsonObject, table: RuleTable, depth: number, out: string[]): void {
  for (const [field, value] of Object.entries(object)) {
    const rule = table[field];
    if (rule && !(rule.form === 'record' && rule.append)) {
      printStatement(field, rule, value, depth, out);
      continue;
    }
    const appended = appendRuleFor(table, field);
    if (!appended || !Array.isArray(value)) throw new Error(`flatten: no statement sets '${field}'`);
    for (const item of value as readonly Json[]) printRecord(appended[0], appended[1], item, depth, out);
  }
}

/** The merged document with each data path, and the backbone's weights file, replaced by its absolute form from the resolved spec. */
function withAbsolutePaths(document: JsonObject, spec: ResolvedSpec): MutableJsonObject {
  const copy = JSON.parse(JSON.stringify(document)) as MutableJsonObject;
  const weights = 'weights' in spec.model.backbone ? spec.model.backbone.weights : undefined;
  const paths = [...dataPaths(spec), ...(weights !== undefined ? [{ pointer: '/model/backbone/weights', path: weights }] : [])];
  for (const p of paths) {
    if (typeof getAtPointer(copy, p.pointer) !== 'string') continue;
    const parts = splitPointer(p.pointer);
    const parent = getAtPointer(copy, `/${parts.slice(0, -1).join('/')}`);
    if (isJsonObject(parent)) (parent as MutableJsonObject)[parts[parts.length - 1]!] = p.path;
  }
  return copy;
}

/**
 * The flattened text of the spec at `path`, whose resolved form is `spec`
 * (a spec that loaded without errors). `header` lines become comments on top.
 */
export function flattenSpec(path: string, spec: ResolvedSpec, fs: FileSystem, header: readonly string[] = [], overrides: readonly string[] = []): Result<string> {
  const loaded = loadDocument(path, fs, new Map());
  if (!loaded.value || hasErrors(loaded.diagnostics)) return { value: undefined, diagnostics: loaded.diagnostics };
  // Command-line overrides (key.path=value) are part of the run's spec: merged in like the loader does.
  const applied = applyOverrides(loaded.value, overrides);
  if (!applied.value || hasErrors(applied.diagnostics)) return { value: undefined, diagnostics: applied.diagnostics };
  const { sweep: _sweep, name, ...rest } = withAbsolutePaths(applied.value.document, spec);
  const document: MutableJsonObject = { name: name ?? spec.name, ...rest };
  const out: string[] = [];
  printTable(document, topLevelRules, 0, out);
  const text = [...header.map((h) => `# ${h}`), ...out, ''].join('\n');
  const parsed = parseSpec(text, path);
  if (!parsed.value || hasErrors(parsed.diagnostics)) throw new Error(`flatten: the printed spec does not parse: ${parsed.diagnostics[0]?.message ?? ''}`);
  return { value: formatSpec(parsed.value), diagnostics: [] };
}
