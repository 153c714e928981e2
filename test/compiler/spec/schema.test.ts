import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { specJsonSchema, validateDocument, labelFor } from '../../../src/compiler/spec/schema.js';
import { emptySpanMap } from '../../../src/compiler/spec/span-map.js';
import { topLevelRules, layerRules, lookupPath, type Rule, type RuleTable } from '../../../src/compiler/spec/vocabulary.js';
import { LAYER, SPEC } from '../../../src/compiler/spec/definitions.js';
import type { Key, KeyTable } from '../../../src/compiler/spec/key.js';
import type { Json } from '../../../src/compiler/spec/spec-document.js';
import type { Span } from '../../../src/diagnostics/diagnostic.js';
import { present } from '../../fixtures/present.js';

const span = (line: number): Span => ({ file: 'x.ibspec', start: { offset: line * 10, line, column: 1 }, end: { offset: line * 10 + 3, line, column: 4 } });

const VALID = {
  model: { input: [8, 8, 1], classes: 2, backbone: { kind: 'custom', stages: [{ name: 's', layers: [{ type: 'conv', filters: 2 }] }] } },
  data: { kind: 'synthetic' },
};

describe('JSON Schema', () => {
  it('compiles under ajv strict mode and accepts a minimal document', () => {
    const ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });
    const validate = ajv.compile(specJsonSchema());
    expect(validate(VALID)).toBe(true);
  });

  it('describes every key the document builder table knows, and nothing else (top level and model)', () => {
    const schema = specJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties).sort()).toEqual([...Object.keys(topLevelRules), 'sweep'].sort());
    const model = (topLevelRules.model as { keys: RuleTable }).keys;
    expect(Object.keys(present(schema.properties.model?.properties, 'the model properties')).sort()).toEqual(Object.keys(model).sort());
  });

  it('has one layer alternative per layer type of the document builder table', () => {
    const schema = specJsonSchema() as { definitions: { layer: { oneOf: { properties: { type: { const?: string; enum?: string[] } } }[] } } };
    const types = schema.definitions.layer.oneOf.flatMap((b) => b.properties.type.const ?? b.properties.type.enum ?? []);
    expect(types.sort()).toEqual(Object.keys(layerRules).sort());
  });

  it('maps ajv errors to the span of the value, with clear messages', () => {
    const spans = emptySpanMap();
    spans.values.set('/model/classes', span(3));
    spans.values.set('/train/optimizer/kind', span(5));
    spans.keys.set('/model', span(1));
    spans.keys.set('/train/optimizer/extra', span(6));
    const doc = {
      ...VALID,
      model: { ...VALID.model, classes: 2.5 },
      train: { optimizer: { kind: 'sgd', extra: 1 } },
    };
    const result = validateDocument(doc, spans);
    expect(result.diagnostics.map((d) => [d.code, d.span?.start.line, d.message])).toEqual([
      ['IB2001', 3, 'classes must be a whole number, got 2.5'],
      ['IB2005', 6, "'extra' is not allowed in optimizer sgd; allowed: lr, momentum, nesterov, weight_decay"],
    ]);
    expect(result.invalid).toEqual(['/model/classes', '/train/optimizer/extra']);
  });

  it('names a wrong kind with the alternatives and a suggestion', () => {
    const spans = emptySpanMap();
    spans.values.set('/train/optimizer/kind', span(5));
    const result = validateDocument({ ...VALID, train: { optimizer: { kind: 'adamw' } } }, spans);
    expect(result.diagnostics).toMatchObject([{ code: 'IB2008', message: "'optimizer' must be one of sgd, adam, got 'adamw'", suggestion: 'adam', span: span(5) }]);
  });

  it('locates a missing key at the key of its parent, falling back to an ancestor', () => {
    const spans = emptySpanMap();
    spans.keys.set('/model', span(2));
    const { model, ...rest } = VALID;
    const doc = { ...rest, model: { ...model, backbone: { kind: 'custom' } } };
    const result = validateDocument(doc, spans);
    expect(result.diagnostics.map((d) => [d.code, d.span?.start.line, d.message])).toEqual([['IB2004', 2, "backbone custom needs 'stages'"]]);
    expect(result.missingRequired).toBe(true);
  });

  it('picks the matching alternative of "number or pair"', () => {
    const doc = { ...VALID, model: { ...VALID.model, backbone: { kind: 'custom', stages: [{ name: 's', layers: [{ type: 'conv', filters: 2, kernel: [3, 3, 3] }] }] } } };
    expect(validateDocument(doc, emptySpanMap()).diagnostics.map((d) => d.message)).toEqual(['conv kernel must have exactly 2 values, got 3']);
    const doc2 = { ...VALID, model: { ...VALID.model, backbone: { kind: 'custom', stages: [{ name: 's', layers: [{ type: 'conv', filters: 2, padding: true }] }] } } };
    expect(validateDocument(doc2, emptySpanMap()).diagnostics.map((d) => d.message)).toEqual(['conv padding must be same, valid, or a number of pixels ≥ 0, got true']);
  });

  it('keeps the alternatives of different layers apart', () => {
    const layers: Json[] = [
      { type: 'conv', filters: 2, kernel: [3] },
      { type: 'conv', filters: 2, kernel: 'x' },
      { type: 'maxpool', size: 2, padding: 'full' },
    ];
    const doc = { ...VALID, model: { ...VALID.model, backbone: { kind: 'custom', stages: [{ name: 's', layers }] } } };
    expect(validateDocument(doc, emptySpanMap()).diagnostics.map((d) => d.message)).toEqual([
      'conv kernel must have exactly 2 values, got 1',
      "conv kernel must be a whole number ≥ 1 or a pair like 3x3, got 'x'",
      "maxpool padding must be one of same, valid, got 'full'",
    ]);
  });

  it('labels values the way a reader names them', () => {
    const doc = { model: { backbone: { stages: [{ layers: [{ type: 'conv' }] }] }, attention: { samples: {} } } };
    expect(labelFor(doc, '/model/backbone/stages/0/layers/0/filters')).toBe('conv filters');
    expect(labelFor(doc, '/model/attention/beta')).toBe('beta');
    expect(labelFor(doc, '/model/attention/samples/eval')).toBe('samples eval');
    expect(labelFor(doc, '/train/optimizer/kind')).toBe('optimizer');
    expect(labelFor(doc, '/model/input/2')).toBe('input item 3');
  });
});

// ---------------------------------------------------------------- every key, from its one definition

type SchemaNode = {
  readonly $ref?: string;
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
  readonly discriminator?: { readonly propertyName: string };
};

interface KeyPlace {
  readonly path: string;
  readonly key: Key;
  /** The schema nodes that describe this key (one per union alternative that has it). */
  readonly schema: readonly SchemaNode[];
  /** Whether a statement in the spec reaches it as a value (an override or sweep path). */
  readonly settable: boolean;
}

/** Every key of the language with the schema nodes that describe it, walking both trees together. */
function everyKey(): KeyPlace[] {
  const root = specJsonSchema() as SchemaNode & { definitions: Record<string, SchemaNode> };
  const deref = (n: SchemaNode): SchemaNode => (n.$ref ? present(root.definitions[n.$ref.replace('#/definitions/', '')], n.$ref) : n);
  const alternatives = (n: SchemaNode): SchemaNode[] => (n.oneOf ? [...n.oneOf] : [n]);
  const out: KeyPlace[] = [];
  /** The alternatives of a tagged union whose tag is one of `tags`. */
  const forTags = (nodes: readonly SchemaNode[], tag: string, tags: readonly string[]): SchemaNode[] =>
    nodes.filter((n) => {
      const t = n.properties?.[tag] as { const?: string; enum?: string[] } | undefined;
      return t !== undefined && [...(t.const !== undefined ? [t.const] : []), ...(t.enum ?? [])].some((x) => tags.includes(x));
    });
  const walk = (table: KeyTable, nodes: readonly SchemaNode[], prefix: string, settable: boolean) => {
    for (const [name, k] of Object.entries(table)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const here = nodes.flatMap((n) => (n.properties?.[name] ? [n.properties[name]] : []));
      out.push({ path, key: k, schema: here, settable: settable && !(k.form === 'list' && k.statement) });
      if (k.form === 'section') walk(k.keys, here.flatMap(alternatives), path, settable);
      if (k.form === 'union') {
        for (const [variantName, v] of Object.entries(k.variants)) walk(v.keys, forTags(here.flatMap(alternatives), k.tag, v.tags ?? [variantName]), path, settable);
      }
      if (k.form === 'list' && k.item.form === 'section') walk(k.item.keys, here.map((n) => deref(n.items!)), `${path}.0`, false);
    }
  };
  walk(SPEC.keys, [root], '', true);
  const layers = deref({ $ref: '#/definitions/layer' });
  for (const [name, v] of Object.entries(LAYER.variants)) walk(v.keys, forTags(alternatives(layers), 'type', v.tags ?? [name]), `layer.${name}`, false);
  return out;
}

describe('every key of the definitions', () => {
  const keys = everyKey();

  it('walks them all (sections, kinds and layers)', () => {
    expect(keys.length).toBeGreaterThan(120);
    expect(keys.map((k) => k.path)).toEqual(expect.arrayContaining(['model.attention.kl_scale', 'train.optimizer.weight_decay', 'data.augment.crop.mode', 'layer.conv.dilation']));
  });

  it('is in the JSON Schema, with its doc and its default', () => {
    for (const { path, key: k, schema } of keys) {
      expect(schema.length, path).toBeGreaterThan(0);
      for (const node of schema) {
        expect(node.description, path).toContain(k.doc);
        if (k.form === 'value') expect(node.default, path).toEqual(k.default);
      }
    }
  });

  it('has a default its own schema accepts', () => {
    const ajv = new Ajv({ strict: true });
    for (const { path, key: k } of keys) {
      if (k.form !== 'value' || k.default === undefined) continue;
      expect(ajv.validate(k.schema, k.default), `${path} default ${String(k.default)}`).toBe(true);
    }
  });

  it('can be set by a dotted override or a sweep when it holds a value', () => {
    for (const { path, key: k, settable } of keys) {
      if (!settable || (k.form !== 'value' && k.form !== 'list')) continue;
      expect(lookupPath(path.split('.')), path).toMatchObject({ ok: true });
    }
  });

  it('is a statement or an option where the document builder looks for it', () => {
    const fieldsOf = (rule: Rule | undefined): string[] =>
      rule?.form === 'record' ? [...(rule.positional ?? []), ...(rule.options ?? []), ...Object.keys(rule.keys ?? {})] : [];
    const ruleAt = (parts: readonly string[]): Rule | undefined => {
      let table: RuleTable | undefined = topLevelRules;
      let rule: Rule | undefined;
      for (const part of parts) {
        rule = table?.[part];
        table = rule?.form === 'record' ? rule.keys : undefined;
      }
      return rule;
    };
    for (const { path, key: k } of keys) {
      const parts = path.split('.');
      if (parts[0] === 'layer') {
        const [, variantName, field] = parts;
        const variant = LAYER.variants[variantName as keyof typeof LAYER.variants];
        for (const tag of variant.tags ?? [present(variantName, path)]) {
          if (k.only && !k.only.includes(tag)) continue;
          const rule = present(layerRules[tag], `the layer rule '${tag}'`);
          expect([...rule.positional, ...rule.options], path).toContain(field);
        }
        continue;
      }
      if (parts.includes('0')) continue; // inside a custom stage: `stage NAME { layers }`
      const parent = ruleAt(parts.slice(0, -1));
      const name = parts[parts.length - 1];
      const written = k.form === 'list' && k.statement ? k.statement.word : name;
      expect(parts.length === 1 ? Object.keys(topLevelRules) : fieldsOf(parent), path).toContain(written);
    }
  });

  it('keeps the text after the colon of a "number or pair" description for messages', () => {
    for (const { path, key: k } of keys) {
      if (k.form === 'value' && k.schema.anyOf !== undefined) expect(k.doc, path).not.toContain(':');
    }
  });
});
