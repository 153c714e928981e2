import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { describeLayers } from '../../../src/compiler/network/describe.js';
import { REFERENCE_KERNELS } from '../../../src/compiler/reference/interpret.js';
import { OPS } from '../../../src/compiler/ir/ir.js';
import { attention, makeSpec } from '../../fixtures/spec-fixtures.js';

describe('describeLayers', () => {
  it('lists every node with its output shape and parameter count; frozen anchors and BN buffers are not trainable', () => {
    const q = { anchors: 20, init: { kind: 'linspace' as const, low: 0, high: 1 }, trainable: false, lrScale: 1, vqWeight: 0.4, commitWeight: 0.1 };
    const ir = buildModel(makeSpec({ attention: attention({ quantize: q }) })).value!;
    const d = describeLayers(ir);
    expect(d.rows.map((r) => r.name)).toEqual(ir.nodes.map((n) => n.id));
    const conv = d.rows.find((r) => r.name === 'backbone/stage1/conv0')!;
    expect(conv).toEqual({ name: 'backbone/stage1/conv0', op: 'Conv2D', outputShape: [28, 28, 8], params: 3 * 3 * 1 * 8 + 8 });
    expect(d.rows.find((r) => r.name === 'backbone/stage1/bn0')!.params).toBe(4 * 8);
    expect(d.rows.find((r) => r.name === 'attention/quantize')!.params).toBe(20);
    const buffers = 2 * (8 + 16 + 32);
    expect(d.trainableParams).toBe(d.totalParams - buffers - 20);
  });
});

describe('reference interpreter', () => {
  it('has a kernel for every IR op', () => {
    expect(Object.keys(REFERENCE_KERNELS).sort()).toEqual([...OPS].sort());
  });
});
