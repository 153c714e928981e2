import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { specJsonSchema, validateDocument, labelFor } from '../../../src/compiler/spec/schema.js';
import { emptySpanMap } from '../../../src/compiler/spec/span-map.js';
import { topLevelRules, layerRules, type RuleTable } from '../../../src/compiler/spec/vocabulary.js';
import type { Json } from '../../../src/compiler/spec/spec-document.js';
import type { Span } from '../../../src/diagnostics/diagnostic.js';

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

  it('describes every key the lowering table knows, and nothing else (top level and model)', () => {
    const schema = specJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties).sort()).toEqual([...Object.keys(topLevelRules), 'sweep'].sort());
    const model = (topLevelRules.model as { keys: RuleTable }).keys;
    expect(Object.keys(schema.properties.model.properties!).sort()).toEqual(Object.keys(model).sort());
  });

  it('has one layer alternative per layer type of the lowering table', () => {
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
