import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { describeLayers } from '../../../src/compiler/network/describe.js';
import { verifyIR } from '../../../src/compiler/ir/verify.js';
import { countParams } from '../../fixtures/count-params.js';
import { REFERENCE_ARCHITECTURES } from '../../fixtures/reference-architectures.js';

/** Computed independently with PyTorch by test/fixtures/param_counts.py. */
const expected = JSON.parse(readFileSync(new URL('../../fixtures/param-counts.json', import.meta.url), 'utf8')) as Record<string, { params: number; buffers: number }>;

/** Architectures of the fixture with no hand-built twin here: spec-files.test.ts checks them from their spec files. */
const SPEC_FILE_ONLY = ['cluttered-fashion-baseline', 'cluttered-fashion-aib', 'cluttered-fashion-aib-qt'];

describe('parameter counts of the reference architectures equal PyTorch', () => {
  it('covers every architecture of the fixture', () => {
    expect([...Object.keys(REFERENCE_ARCHITECTURES), ...SPEC_FILE_ONLY].sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, spec] of Object.entries(REFERENCE_ARCHITECTURES)) {
    it(name, () => {
      const built = buildModel(spec);
      expect(built.diagnostics).toEqual([]);
      const ir = built.value!;
      expect(verifyIR(ir)).toEqual([]);
      expect(countParams(ir)).toEqual(expected[name]);
      const d = describeLayers(ir);
      expect(d.totalParams).toBe(expected[name]!.params + expected[name]!.buffers);
      expect(d.rows.reduce((a, r) => a + r.params, 0)).toBe(d.totalParams);
    });
  }
});
