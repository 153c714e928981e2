/** The diagnostic catalog: stable, unique codes, each stage in its own range, templates well formed. */
import { describe, expect, test } from 'vitest';
import { allMessages, diagnostic, formatTemplate } from '../../src/diagnostics/catalog.js';
import { syntaxMessages } from '../../src/diagnostics/catalog/syntax.js';
import { schemaMessages } from '../../src/diagnostics/catalog/schema.js';
import { semanticMessages } from '../../src/diagnostics/catalog/semantic.js';
import { shapeMessages } from '../../src/diagnostics/catalog/shape.js';
import { targetMessages } from '../../src/diagnostics/catalog/target.js';
import { runtimeMessages } from '../../src/diagnostics/catalog/runtime.js';
import { internalMessages } from '../../src/diagnostics/catalog/internal.js';
import type { StageCatalog } from '../../src/diagnostics/catalog/types.js';

const stages: readonly [string, StageCatalog, string][] = [
  ['syntax', syntaxMessages, '1'],
  ['schema', schemaMessages, '2'],
  ['semantic', semanticMessages, '3'],
  ['shape', shapeMessages, '4'],
  ['target', targetMessages, '5'],
  ['runtime', runtimeMessages, '6'],
  ['internal', internalMessages, '9'],
];

describe('diagnostic catalog', () => {
  test('codes are unique across all stages', () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const [stage, catalog] of stages) {
      for (const [name, t] of Object.entries(catalog)) {
        const other = seen.get(t.code);
        if (other) duplicates.push(`${t.code}: ${other} and ${stage}.${name}`);
        seen.set(t.code, `${stage}.${name}`);
      }
    }
    expect(duplicates).toEqual([]);
  });

  test('no entry name is shared by two stages (the joined table would hide one)', () => {
    const names = stages.flatMap(([, catalog]) => Object.keys(catalog));
    expect(names.length).toBe(allMessages().length);
  });

  test.each(stages)('%s codes are IB%s... in their own range', (_stage, catalog, digit) => {
    for (const t of Object.values(catalog)) expect(t.code).toMatch(new RegExp(`^IB${digit}\\d{3}$`));
  });

  test('templates are one line, with well-formed placeholders', () => {
    for (const t of allMessages()) {
      expect(t.template, t.name).not.toMatch(/\n/);
      expect(t.template.replace(/\{\w+\}/g, ''), t.name).not.toMatch(/\{[\w ]*$|^[\w ]*\}/);
    }
  });

  test('diagnostic() fills placeholders and leaves missing ones visible', () => {
    expect(formatTemplate('expected {a} but found {b}', { a: 'x' })).toBe('expected x but found {b}');
    const d = diagnostic('malformedNumber', { args: { text: '1e', hint: '' } });
    expect(d).toEqual({ code: 'IB1103', severity: 'error', message: "malformed number '1e'" });
  });
});
