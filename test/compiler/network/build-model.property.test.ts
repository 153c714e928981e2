/** For any layer stack the builder either produces verified IR or reports diagnostics: it never throws. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { verifyIR } from '../../../src/compiler/ir/verify.js';
import type { LayerSpec } from '../../../src/compiler/spec/resolved-spec.js';
import { attention, makeSpec } from '../../fixtures/spec-fixtures.js';

const small = fc.integer({ min: 1, max: 4 });
const padding = fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.integer({ min: 0, max: 2 }));

const layer: fc.Arbitrary<LayerSpec> = fc.oneof(
  fc.record({ filters: small, k: small, s: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }), padding, bias: fc.boolean() }).map(
    ({ filters, k, s, d, padding, bias }): LayerSpec => ({ type: 'conv', filters, kernel: [k, k], stride: [s, s], padding, dilation: [d, d], bias }),
  ),
  fc.constant<LayerSpec>({ type: 'batchnorm', epsilon: 1e-5, momentum: 0.1 }),
  fc.constantFrom<LayerSpec>({ type: 'relu' }, { type: 'gelu' }, { type: 'leaky_relu', alpha: 0.2 }, { type: 'flatten' }, { type: 'global_avgpool' }),
  fc.record({ k: small, s: small, padding, max: fc.boolean() }).map(
    ({ k, s, padding, max }): LayerSpec => ({ type: max ? 'maxpool' : 'avgpool', size: [k, k], stride: [s, s], padding }),
  ),
  small.map((n): LayerSpec => ({ type: 'adaptive_avgpool', size: [n, n] })),
  small.map((n): LayerSpec => ({ type: 'linear', units: n, bias: true })),
  fc.record({ filters: small, s: fc.integer({ min: 1, max: 2 }), preact: fc.boolean() }).map(
    ({ filters, s, preact }): LayerSpec => ({ type: 'basic_block', filters, stride: s, preact, dropout: 0.1 }),
  ),
  fc.record({ filters: small, s: fc.integer({ min: 1, max: 2 }) }).map(
    ({ filters, s }): LayerSpec => ({ type: 'bottleneck', filters, stride: s, expansion: 2, widthFactor: 1 }),
  ),
);

describe('buildModel on random layer stacks', () => {
  it('never throws; a value verifies, otherwise there are error diagnostics', () => {
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 5 }), fc.array(layer, { maxLength: 4 }), fc.array(layer, { maxLength: 3 }), fc.boolean(), (s1, s2, head, withAttention) => {
        const spec = makeSpec({
          input: [8, 8, 2],
          classes: 3,
          backbone: { kind: 'custom', stages: [{ name: 'stage1', layers: s1 }, { name: 'stage2', layers: s2 }] },
          ...(withAttention
            ? { attention: attention({ at: 'stage1', head: [...head, { type: 'conv', filters: 1, kernel: [3, 3], stride: [1, 1], padding: 'same', dilation: [1, 1], bias: true }], latent: 4, decoder: [{ type: 'linear', units: 3, bias: true }] }, 3) }
            : {}),
        });
        const r = buildModel(spec);
        if (r.value) expect(verifyIR(r.value)).toEqual([]);
        else expect(r.diagnostics.some((d) => d.severity === 'error' && /^IB4\d{3}$/.test(d.code))).toBe(true);
        for (const d of r.diagnostics) expect(d.message).not.toMatch(/\{\w+\}|undefined|NaN/);
      }),
      { numRuns: 300 },
    );
  });
});
