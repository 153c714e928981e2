/**
 * The JSON Schema (draft-07) of the spec document, derived from the language
 * definition (definitions.ts) with descriptions, enums, ranges and defaults.
 * Tagged unions (backbone, data, optimizer, schedule, layers) use ajv's
 * `discriminator`, so a wrong kind gives one clear error instead of one per
 * alternative. `ibc schema` prints this object.
 */
import { LAYER, SPEC } from './definitions.js';
import { keysForTag, tagGroupsOf, type Key, type KeyTable, type Schema, type UnionKey } from './key.js';

/** Shared parts of the schema (`#/definitions/NAME`), referred to by layer lists. */
const SHARED: readonly UnionKey[] = [LAYER];

function description(k: Key): string {
  if (k.form !== 'value') return k.doc;
  // An anyOf's message names the alternatives by the text after the colon (schema.ts).
  if (k.schema.anyOf !== undefined) return `${k.doc}: ${k.range ?? ''}`;
  const fallback = k.computed ?? k.absent;
  return fallback !== undefined ? `${k.doc} (default: ${fallback})` : k.doc;
}

function keySchema(k: Key): Schema {
  switch (k.form) {
    case 'value':
      return { ...k.schema, description: description(k), ...(k.default !== undefined ? { default: k.default } : {}) };
    case 'list':
      return {
        type: 'array',
        description: k.doc,
        items: keySchema(k.item),
        ...(k.minItems !== undefined ? { minItems: k.minItems } : {}),
        ...(k.maxItems !== undefined ? { maxItems: k.maxItems } : {}),
      };
    case 'layers':
      return { type: 'array', description: k.doc, items: k.item.ref ? { $ref: `#/definitions/${k.item.ref}` } : unionSchema(k.item), minItems: k.minItems };
    case 'section':
      return objectSchema(k.doc, Object.entries(k.keys));
    case 'union':
      return unionSchema(k);
  }
}

function objectSchema(doc: string, keys: readonly [string, Key][], head: Record<string, Schema> = {}, headRequired: readonly string[] = []): Schema {
  const properties: Record<string, Schema> = { ...head };
  for (const [name, k] of keys) properties[name] = keySchema(k);
  const required = [...headRequired, ...keys.filter(([, k]) => k.required).map(([name]) => name)];
  return {
    type: 'object',
    description: doc,
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/**
 * One alternative per group of tags with the same keys: a variant whose keys
 * differ by tag (`alpha` only for leaky_relu) splits into several.
 */
function unionSchema(union: UnionKey): Schema {
  const alternatives: Schema[] = [];
  for (const [name, v] of Object.entries(union.variants)) {
    for (const tags of tagGroupsOf(name, v)) {
      const tagSchema = tags.length === 1 ? { const: tags[0] } : { enum: tags };
      alternatives.push(objectSchema(v.doc, keysForTag(v, tags[0]), { [union.tag]: tagSchema }, [union.tag]));
    }
  }
  return { type: 'object', description: union.doc, discriminator: { propertyName: union.tag }, oneOf: alternatives };
}

const SWEEP_SCHEMA: Schema = {
  type: 'array',
  description: 'sweep entries: path in [values], zip { ... }, seeds N, and the slurm settings',
  items: {
    type: 'object',
    description: 'a swept path (path, values), or the Slurm settings of the sweep (slurm)',
    properties: {
      path: { type: 'string', description: 'dotted path, e.g. model.attention.beta' },
      values: { type: 'array', description: 'values (for `seeds N`: offsets 0..N-1 from train.seed)', items: {}, minItems: 1 },
      zip: { type: 'integer', minimum: 0, description: 'zip group: the entries of one group advance together' },
      seeds: { type: 'integer', minimum: 1, description: "`seeds N`: the values are offsets from the spec's train.seed" },
      slurm: {
        type: 'object',
        description: 'per-task resources when the sweep runs as a Slurm job array (ibc sweep --launcher slurm; command-line options win)',
        properties: {
          partition: { type: 'string', minLength: 1, description: 'the partition (#SBATCH --partition)' },
          time: { type: 'string', minLength: 1, description: 'time limit per task, e.g. "4:00:00" (#SBATCH --time)' },
          mem: { type: 'string', minLength: 1, description: 'memory per node, e.g. "16G" (#SBATCH --mem)' },
          cpus_per_task: { type: 'integer', minimum: 1, description: 'CPU cores per task (#SBATCH --cpus-per-task)' },
          gpus_per_task: { type: 'integer', minimum: 0, description: 'GPUs per task (#SBATCH --gpus-per-task)' },
          sbatch: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'extra #SBATCH lines, e.g. ["--account=lab"]' },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
};

/** The JSON Schema of one table of keys (a section's), for tests and tools. */
export function keysJsonSchema(doc: string, keys: KeyTable): Schema {
  return objectSchema(doc, Object.entries(keys));
}

/** The JSON Schema of a spec document (after `extends` merging, before defaults). A fresh object each call. */
export function specJsonSchema(): Schema {
  const top = objectSchema(SPEC.doc, Object.entries(SPEC.keys));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://ibc.invalid/schemas/ibspec.json',
    title: 'ibspec',
    definitions: Object.fromEntries(SHARED.map((u) => [u.ref, unionSchema(u)])),
    ...top,
    description: 'An .ibspec experiment, as the JSON document built from the spec (surface key names).',
    properties: { ...(top.properties as Record<string, Schema>), sweep: SWEEP_SCHEMA },
  };
}
