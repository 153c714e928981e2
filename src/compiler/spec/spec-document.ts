/**
 * The spec document: the plain JSON object the document builder (from-ast.ts) makes of the syntax
 * tree, in the shape the JSON Schema (schema.ts) describes. Keys are the
 * surface names (`eval_batch`, `std_head`), so a JSON pointer into a document
 * reads like the spec (`/model/attention/beta`) and sweep paths are pointers
 * written with dots. Defaults are not filled in yet: `resolve.ts` does that.
 */
export type Json = number | string | boolean | readonly Json[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: Json;
}

/** A mutable document while it is being built. */
export type MutableJsonObject = { [key: string]: Json };

/** One `sweep` entry: a dotted path and the values it takes. */
export interface SweepEntry {
  readonly path: string;
  readonly values: readonly Json[];
  /** Entries with the same zip group advance together (sweep-block.ts). */
  readonly zip?: number;
  /** `seeds N`: the values are offsets from the spec's train.seed. */
  readonly seeds?: number;
}

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a value at a JSON pointer, or undefined. */
export function getAtPointer(doc: Json, pointer: string): Json | undefined {
  let current: Json | undefined = doc;
  for (const part of splitPointer(pointer)) {
    if (Array.isArray(current)) current = (current as readonly Json[])[Number(part)];
    else if (isJsonObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

export function escapePointerPart(part: string): string {
  return part.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function joinPointer(parts: readonly (string | number)[]): string {
  return parts.map((p) => `/${escapePointerPart(String(p))}`).join('');
}

/** Deep copy, so that later stages never share structure with their input. */
export function cloneJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
