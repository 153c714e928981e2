/**
 * Reading a spec file into a document, following `extends "base.ibspec"`:
 * the base is loaded (recursively) through the FileSystem interface and the
 * file's own document is deep-merged over it. Merge rules: objects merge key
 * by key; lists (layer lists included) replace; an object whose `kind` differs
 * (e.g. another backbone) replaces; `name` and `sweep` are not inherited.
 * The span map is merged the same way, so every value keeps pointing at the
 * file that defined it.
 */
import type { Diagnostic, Result, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { isSpecFile, SPEC_EXTENSION, type FileSystem } from '../../host/file-system.js';
import { parseSpec, specSourceText } from '../../grammar/parse.js';
import { documentFromAst } from './from-ast.js';
import type { Json, JsonObject, MutableJsonObject } from './spec-document.js';
import { cloneJson, escapePointerPart, isJsonObject } from './spec-document.js';
import { emptySpanMap, removeSpansUnder, type MutableSpanMap, type SpanMap } from './span-map.js';

export interface LoadedDocument {
  readonly document: MutableJsonObject;
  readonly spans: MutableSpanMap;
  /** Whether a file of the chain had syntax errors or a base could not be read: then missing keys are likely a consequence, not the mistake. */
  readonly incomplete: boolean;
  /** Pointers the files tried to set but could not (see SpecFromAst.attempted). */
  readonly attempted: ReadonlySet<string>;
  /** The files this document extends, nearest first, as resolved (for checking a folder of specs and their bases). */
  readonly bases: readonly string[];
}

/** Longer chains are reported as cycles (paths spelt two ways could otherwise loop a while). */
const MAX_EXTENDS_DEPTH = 32;

/** Keys of a base document that a file extending it does not inherit. */
const NOT_INHERITED = ['name', 'sweep'];

/**
 * Loads `path` and everything it extends. `sources` receives the text of each
 * file read, for code frames. `path` is used as given in spans.
 */
export function loadDocument(path: string, fs: FileSystem, sources: Map<string, string>): Result<LoadedDocument> {
  return loadChain(path, fs, sources, [], undefined);
}

function loadChain(path: string, fs: FileSystem, sources: Map<string, string>, chain: readonly string[], requestedBy: Span | undefined): Result<LoadedDocument> {
  const refused = fs.whyNotReadable?.(path);
  if (refused !== undefined) {
    return { value: undefined, diagnostics: [diagnostic('specNotAFile', { ...(requestedBy ? { span: requestedBy } : {}), args: { path, reason: refused } })] };
  }
  // A base is a spec: a spec may name any path, and a file that is not a spec (a secret, /proc/self/environ)
  // would be parsed and its lines shown in code frames. The link's target counts, not only its name.
  if (requestedBy && fs.exists(path) && !isSpecFile(path, fs)) {
    const real = fs.realPath?.(path) ?? path;
    const why = path.endsWith(SPEC_EXTENSION) ? `it is a link to '${real}'` : 'its name does not end in .ibspec';
    return { value: undefined, diagnostics: [diagnostic('extendsNotSpec', { span: requestedBy, args: { path, why } })] };
  }
  const bytes = fs.readFile(path);
  if (bytes === undefined) {
    return {
      value: undefined,
      diagnostics: [requestedBy ? diagnostic('extendsMissingFile', { span: requestedBy, args: { path } }) : diagnostic('missingFile', { args: { path } })],
    };
  }
  sources.set(path, specSourceText(bytes));
  const parsed = parseSpec(bytes, path);
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const incomplete = parsed.diagnostics.some((d) => d.severity === 'error');
  if (!parsed.value) return { value: undefined, diagnostics };
  const built = documentFromAst(parsed.value);
  for (const item of built.diagnostics) diagnostics.push(item);
  if (!built.value) return { value: undefined, diagnostics };
  const own: LoadedDocument = {
    document: built.value.document,
    spans: built.value.spans,
    incomplete: incomplete || built.value.brokenExtends,
    attempted: built.value.attempted,
    bases: [],
  };
  const ref = built.value.extendsRef;
  if (!ref) return { value: own, diagnostics };

  const basePath = fs.resolveRelative(path, ref.path);
  const visited = [...chain, path];
  if (visited.includes(basePath) || visited.length > MAX_EXTENDS_DEPTH) {
    diagnostics.push(diagnostic('extendsCycle', { span: ref.span, args: { chain: [...visited, basePath].join(' → ') } }));
    return { value: { ...own, incomplete: true, bases: [basePath] }, diagnostics };
  }
  const base = loadChain(basePath, fs, sources, visited, ref.span);
  for (const item of base.diagnostics) diagnostics.push(item);
  if (!base.value) return { value: { ...own, incomplete: true, bases: [basePath] }, diagnostics };
  return {
    value: {
      ...mergeDocuments(base.value, own),
      incomplete: own.incomplete || base.value.incomplete,
      attempted: new Set([...base.value.attempted, ...own.attempted]),
      bases: [basePath, ...base.value.bases],
    },
    diagnostics,
  };
}

/** `child` merged over `base` (neither is modified). */
export function mergeDocuments(
  base: { readonly document: JsonObject; readonly spans: SpanMap },
  child: { readonly document: JsonObject; readonly spans: SpanMap },
): { document: MutableJsonObject; spans: MutableSpanMap } {
  const document = cloneJson(base.document) as MutableJsonObject;
  const spans = emptySpanMap();
  for (const [p, s] of base.spans.values) spans.values.set(p, s);
  for (const [p, s] of base.spans.keys) spans.keys.set(p, s);
  for (const key of NOT_INHERITED) {
    delete document[key];
    removeSpansUnder(spans, `/${key}`);
  }
  mergeObject(document, child.document, '', spans);
  for (const [p, s] of child.spans.values) spans.values.set(p, s);
  for (const [p, s] of child.spans.keys) spans.keys.set(p, s);
  return { document, spans };
}

function mergeObject(target: MutableJsonObject, child: JsonObject, pointer: string, spans: MutableSpanMap): void {
  for (const [key, value] of Object.entries(child)) {
    const p = `${pointer}/${escapePointerPart(key)}`;
    const existing = target[key];
    if (isJsonObject(existing) && isJsonObject(value) && !kindChanges(existing, value)) {
      mergeObject(existing as MutableJsonObject, value, p, spans);
    } else {
      removeSpansUnder(spans, p);
      target[key] = cloneJson(value as Json);
    }
  }
}

/** A tagged object (backbone, data, optimizer, ...) that switches kind is replaced, not merged. */
function kindChanges(base: JsonObject, child: JsonObject): boolean {
  return (
    (child.kind !== undefined && base.kind !== undefined && child.kind !== base.kind) ||
    (child.type !== undefined && base.type !== undefined && child.type !== base.type)
  );
}
