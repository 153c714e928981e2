/**
 * Validates a spec document against the JSON Schema with ajv (all errors) and
 * turns each ajv error into a located diagnostic: the error's instancePath is
 * a pointer into the document, and the span map says where it came from.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { suggestClosest } from '../../diagnostics/suggest.js';
import { specValidator } from './schema-validator.js';
import type { Json, JsonObject } from './spec-document.js';
import type { SpecDocument } from './resolved-spec.js';
import { escapePointerPart, getAtPointer, isJsonObject, joinPointer, splitPointer } from './spec-document.js';
import { locateKey, locateValue, type SpanMap } from './span-map.js';

export { specJsonSchema } from './json-schema.js';

export interface SchemaCheck {
  /** Whether the document satisfies the schema (false even when every error was left unreported). */
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** Pointers of the values the schema rejected (for an unknown property: that property). */
  readonly invalid: readonly string[];
  /** Whether any error was a missing required key (then defaults cannot be filled in). */
  readonly missingRequired: boolean;
  /** Where each error is: the rejected value, or for a missing key the key's pointer. */
  readonly errorPointers: readonly string[];
  /** The document, when valid, with the type derived from the same definitions as the schema. */
  readonly document?: JsonObject & SpecDocument;
}

// Loading or compiling the validator takes a while; it is pure, so one is kept per process (schema-validator.ts).
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  compiled ??= specValidator();
  return compiled;
}

/** `alreadyReported`: pointers whose absence must not be reported (the document builder reported why they are absent). */
export function validateDocument(doc: Json, spans: SpanMap, alreadyReported: ReadonlySet<string> = new Set()): SchemaCheck {
  const validate = validator();
  if (validate(doc)) {
    // The schema and SpecDocument are derived from the same definitions (definitions.ts).
    const document = doc as JsonObject & SpecDocument;
    return { valid: true, diagnostics: [], invalid: [], missingRequired: false, errorPointers: [], document };
  }
  const errors = preferMatchingAlternatives(validate.errors ?? []);
  const diagnostics: Diagnostic[] = [];
  const invalid: string[] = [];
  let missingRequired = false;
  for (const error of errors) {
    if (error.keyword === 'required' || (error.keyword === 'discriminator' && error.params.error === 'tag')) missingRequired = true;
    if (error.keyword === 'required' && alreadyReported.has(`${error.instancePath}/${escapePointerPart(String(error.params.missingProperty))}`)) continue;
    const mapped = mapError(error, doc, spans);
    if (!mapped) continue;
    diagnostics.push(mapped.diagnostic);
    if (mapped.invalid !== undefined) invalid.push(mapped.invalid);
  }
  const errorPointers = errors.map((e) =>
    e.keyword === 'required' ? `${e.instancePath}/${escapePointerPart(String(e.params.missingProperty))}` : e.instancePath,
  );
  return { valid: false, diagnostics, invalid, missingRequired, errorPointers };
}

/**
 * For `anyOf` (e.g. kernel: a number or a pair), keep only the errors of the
 * alternative whose type matches the value (a too-short pair says so); when none
 * matches, keep the one `anyOf` error, which names every alternative.
 */
function preferMatchingAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  const drop = new Set<ErrorObject>();
  for (const anyOf of anyOfs) {
    // The same schema applies to every item of a list: an alternative's errors are those under its schema path *and* its value.
    const inside = errors.filter(
      (e) =>
        e !== anyOf &&
        e.schemaPath.startsWith(`${anyOf.schemaPath}/`) &&
        (e.instancePath === anyOf.instancePath || e.instancePath.startsWith(`${anyOf.instancePath}/`)),
    );
    const typeMismatch = new Set(inside.filter((e) => e.keyword === 'type' && e.instancePath === anyOf.instancePath).map((e) => branchOf(anyOf, e)));
    const matching = inside.filter((e) => !typeMismatch.has(branchOf(anyOf, e)));
    if (matching.length > 0) {
      drop.add(anyOf);
      for (const e of inside) if (typeMismatch.has(branchOf(anyOf, e))) drop.add(e);
    } else {
      for (const e of inside) drop.add(e);
    }
  }
  return errors.filter((e) => !drop.has(e));
}

function branchOf(anyOf: ErrorObject, inner: ErrorObject): string {
  const [branch] = inner.schemaPath.slice(anyOf.schemaPath.length + 1).split('/');
  return branch ?? '';
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a name or "quoted text"',
  boolean: 'true or false',
  array: 'a list [ ... ]',
  object: 'a block or options',
};

const COMPARISON_WORDS: Readonly<Record<string, string>> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' };

/** Where sections sit: their keys are named alone ("beta"); other keys are named with their parent ("optimizer lr"). */
const SECTION_KEYS = new Set(['', 'model', 'data', 'train', 'export', 'attention', 'quantize', 'augment']);

/** A human name for the value at `pointer`: "beta", "conv filters", "optimizer lr", "input item 3". */
export function labelFor(doc: Json, pointer: string): string {
  const parts = splitPointer(pointer);
  const last = parts.at(-1);
  if (last === undefined) return 'the spec';
  const parentPointer = joinPointer(parts.slice(0, -1));
  if (/^\d+$/.test(last)) {
    const item = getAtPointer(doc, pointer);
    if (isJsonObject(item) && typeof item.type === 'string') return `'${item.type}' layer`;
    return `${labelFor(doc, parentPointer)} item ${Number(last) + 1}`;
  }
  const parent = getAtPointer(doc, parentPointer);
  if (isJsonObject(parent) && typeof parent.type === 'string') return `${parent.type} ${last}`;
  const parentKey = parts.at(-2);
  if (last === 'kind') return parentKey ?? 'kind';
  if (parentKey === undefined) return last;
  if (SECTION_KEYS.has(parentKey) || /^\d+$/.test(parentKey)) return last;
  return `${parentKey} ${last}`;
}

/** How a value reads in a message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === undefined) return 'nothing';
  return 'a block';
}

interface Mapped {
  readonly diagnostic: Diagnostic;
  readonly invalid?: string;
}

function mapError(error: ErrorObject, doc: Json, spans: SpanMap): Mapped | undefined {
  const pointer = error.instancePath;
  const label = labelFor(doc, pointer);
  const actual = describeValue(error.data);
  const at = (p: string) => {
    const span = locateValue(spans, p);
    return span ? { span } : {};
  };
  switch (error.keyword) {
    case 'type':
      return {
        diagnostic: diagnostic('wrongType', { ...at(pointer), args: { label, expected: TYPE_WORDS[String(error.params.type)] ?? String(error.params.type), actual } }),
        invalid: pointer,
      };
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' ? suggestClosest(error.data, allowed) : undefined;
      return {
        diagnostic: diagnostic('notOneOf', {
          ...at(pointer),
          args: { label, allowed: allowed.join(', '), actual },
          ...(suggestion !== undefined ? { suggestion } : {}),
        }),
        invalid: pointer,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        diagnostic: diagnostic('outOfRange', {
          ...at(pointer),
          args: { label, comparison: COMPARISON_WORDS[String(error.params.comparison)] ?? String(error.params.comparison), limit: String(error.params.limit), actual },
        }),
        invalid: pointer,
      };
    case 'required': {
      const missing = String(error.params.missingProperty);
      const span = locateKey(spans, pointer);
      return {
        diagnostic: diagnostic('missingKey', {
          ...(span ? { span } : {}),
          args: { parent: parentDescription(doc, pointer, label), missing: `'${missing}'` },
        }),
      };
    }
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      const extraPointer = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const allowed = Object.keys(((error.parentSchema as { properties?: object } | undefined)?.properties ?? {})).filter((k) => k !== 'kind' && k !== 'type');
      const suggestion = suggestClosest(name, allowed);
      const span = locateKey(spans, extraPointer);
      return {
        diagnostic: diagnostic('notAllowedHere', {
          ...(span ? { span } : {}),
          args: { name, parent: parentDescription(doc, pointer, label), allowed: allowed.length > 0 ? allowed.join(', ') : 'nothing' },
          ...(suggestion !== undefined ? { suggestion } : {}),
        }),
        invalid: extraPointer,
      };
    }
    case 'minItems':
    case 'maxItems': {
      const schema = error.parentSchema as { minItems?: number; maxItems?: number };
      const limit = Number(error.params.limit);
      const count =
        schema.minItems !== undefined && schema.minItems === schema.maxItems ? 'exactly' : error.keyword === 'minItems' ? 'at least' : 'at most';
      const expected = `${count} ${limit} value${limit === 1 ? '' : 's'}`;
      return {
        diagnostic: diagnostic('wrongLength', { ...at(pointer), args: { label, expected, actual: String(Array.isArray(error.data) ? error.data.length : actual) } }),
        invalid: pointer,
      };
    }
    case 'minLength':
      return { diagnostic: diagnostic('schemaOther', { ...at(pointer), args: { label, message: 'must not be empty' } }), invalid: pointer };
    case 'pattern':
      return {
        diagnostic: diagnostic('badPattern', {
          ...at(pointer),
          args: { label, actual, rule: pointer === '/name' ? 'no spaces or slashes' : 'letters, digits, _ and -, starting with a letter or _' },
        }),
        invalid: pointer,
      };
    case 'discriminator': {
      const tag = String(error.params.tag);
      const allowed = discriminatorValues(error.parentSchema);
      const kindLabel = tag === 'type' ? 'layer type' : labelFor(doc, `${pointer}/${tag}`);
      if (error.params.error === 'mapping') {
        const value = String(error.params.tagValue);
        const suggestion = suggestClosest(value, allowed);
        return {
          diagnostic: diagnostic('unknownKind', {
            ...at(`${pointer}/${tag}`),
            args: { label: kindLabel, allowed: allowed.join(', '), actual: `'${value}'` },
            ...(suggestion !== undefined ? { suggestion } : {}),
          }),
          invalid: pointer,
        };
      }
      const span = locateKey(spans, pointer);
      return { diagnostic: diagnostic('missingKind', { ...(span ? { span } : {}), args: { label: kindLabel, allowed: allowed.join(', ') } }) };
    }
    case 'anyOf': {
      const expected = String((error.parentSchema as { description?: string } | undefined)?.description ?? 'valid').replace(/^[^:]*: /, '');
      return { diagnostic: diagnostic('noAlternative', { ...at(pointer), args: { label, expected, actual } }), invalid: pointer };
    }
    default:
      return { diagnostic: diagnostic('schemaOther', { ...at(pointer), args: { label, message: error.message ?? error.keyword } }), invalid: pointer };
  }
}

/** How an object reads as the subject of a message: 'conv', data cifar10, 'model', the spec. */
function parentDescription(doc: Json, pointer: string, label: string): string {
  const value = getAtPointer(doc, pointer);
  if (isJsonObject(value) && typeof value.type === 'string') return `'${value.type}'`;
  if (isJsonObject(value) && typeof value.kind === 'string') return `${label} ${value.kind}`;
  return pointer === '' ? 'the spec' : `'${label}'`;
}

function discriminatorValues(schema: unknown): string[] {
  const s = schema as { discriminator?: { propertyName: string }; oneOf?: { properties?: Record<string, { const?: string; enum?: string[] }> }[] };
  const tag = s.discriminator?.propertyName ?? 'kind';
  const out: string[] = [];
  for (const branch of s.oneOf ?? []) {
    const p = branch.properties?.[tag];
    if (p?.const !== undefined) out.push(p.const);
    if (p?.enum) out.push(...p.enum);
  }
  return out;
}
