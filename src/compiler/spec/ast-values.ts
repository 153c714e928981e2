/** Converting syntax-tree values into JSON document values, recording a span for each. */
import type { Value } from '../../grammar/ast.js';
import type { Json } from './spec-document.js';
import type { MutableSpanMap } from './span-map.js';

/** The JSON form of a value: identifiers become strings, dims (28x28x1) and lists become arrays. */
export function valueToJson(value: Value, pointer: string, spans: MutableSpanMap): Json {
  spans.values.set(pointer, value.span);
  switch (value.kind) {
    case 'Number':
      return value.value;
    case 'String':
      return value.value;
    case 'IdentifierValue':
      return value.name;
    case 'Boolean':
      return value.value;
    case 'Dims':
      return [...value.values];
    case 'List':
      return value.items.map((item, i) => valueToJson(item, `${pointer}/${i}`, spans));
  }
}

/** Spec text for a JSON value, so generated files (`ibc expand`) read back to the same value. */
export function jsonToSpecText(value: Json): string {
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly Json[]).map(jsonToSpecText).join(', ')}]`;
  throw new Error('jsonToSpecText: objects have no single-value spec text');
}

function numberText(n: number): string {
  return String(n);
}
