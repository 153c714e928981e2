import { describe, expect, it } from 'vitest';
import { verifyIR } from '../../../src/compiler/ir/verify.js';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import type { IrNode, ModelIR } from '../../../src/compiler/ir/ir.js';
import { attention, makeSpec } from '../../fixtures/spec-fixtures.js';

function model(): ModelIR {
  const r = buildModel(makeSpec({ attention: attention() }));
  if (!r.value) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
}

const withNodes = (ir: ModelIR, nodes: IrNode[]): ModelIR => ({ ...ir, nodes });

describe('verifyIR', () => {
  it('accepts a built model', () => {
    expect(verifyIR(model())).toEqual([]);
  });

  it('rejects nodes out of topological order', () => {
    const ir = model();
    const nodes = [...ir.nodes];
    const i = nodes.findIndex((n) => n.id === 'attention/mean');
    [nodes[i], nodes[i - 1]] = [nodes[i - 1]!, nodes[i]!];
    expect(verifyIR(withNodes(ir, nodes)).join('\n')).toMatch(/not defined before it/);
  });

  it('rejects duplicate ids and unknown inputs', () => {
    const ir = model();
    const dup = [...ir.nodes, { ...ir.nodes[ir.nodes.length - 1]! }];
    expect(verifyIR(withNodes(ir, dup)).join('\n')).toMatch(/duplicate id/);
    const unknown = ir.nodes.map((n) => (n.id === 'logits' ? { ...n, inputs: ['nowhere'] } : n));
    expect(verifyIR(withNodes(ir, unknown)).join('\n')).toMatch(/'nowhere' is not defined/);
  });

  it('rejects a stored shape that differs from the inferred one', () => {
    const ir = model();
    const nodes = ir.nodes.map((n) => (n.id === 'encoder/dense' ? { ...n, shape: [99] } : n));
    expect(verifyIR(withNodes(ir, nodes)).join('\n')).toMatch(/stored shape 99 but inferred 128/);
  });

  it('rejects missing or mis-shaped parameters, and unused ones', () => {
    const ir = model();
    const params = ir.params.map((p) => (p.name === 'encoder/dense/kernel' ? { ...p, shape: [1, 2] } : p));
    expect(verifyIR({ ...ir, params }).join('\n')).toMatch(/kernel 'encoder\/dense\/kernel' has shape 1x2, expected 32x128/);
    const missing = ir.params.filter((p) => p.name !== 'decoder/linear0/bias');
    expect(verifyIR({ ...ir, params: missing }).join('\n')).toMatch(/unknown parameter 'decoder\/linear0\/bias'/);
    const extra = [...ir.params, { ...ir.params[0]!, name: 'stray' }];
    expect(verifyIR({ ...ir, params: extra }).join('\n')).toMatch(/'stray' is used by no node/);
  });

  it('rejects taps that name no node', () => {
    const ir = model();
    expect(verifyIR({ ...ir, taps: { ...ir.taps, latentStd: 'gone' } }).join('\n')).toMatch(/tap latentStd/);
  });
  it('checks the loss terms: the taps they read exist, one term per kind, weights and rate scales finite and >= 0', () => {
    const quantize = { anchors: 5, init: { kind: 'linspace', low: 0, high: 1 }, trainable: true, lrScale: 1, vqWeight: 0.4, commitWeight: 0.1 } as const;
    const r = buildModel(makeSpec({ attention: attention({ quantize }) }));
    const ir = r.value!;
    expect(verifyIR(ir)).toEqual([]);
    const vq = ir.loss.terms.find((t) => t.kind === 'vq')!;
    // The quantizer's terms in a model without a Quantize node: the tap they read is missing.
    const plain = model();
    expect(verifyIR({ ...plain, loss: { ...plain.loss, terms: [...plain.loss.terms, vq] } }).join('\n')).toMatch(/loss term 'vq': reads the tap 'attentionQuantized', which the model lacks/);
    expect(verifyIR({ ...ir, loss: { ...ir.loss, terms: [...ir.loss.terms, vq] } }).join('\n')).toMatch(/loss term 'vq': appears twice/);
    expect(verifyIR({ ...ir, loss: { ...ir.loss, terms: ir.loss.terms.map((t) => (t.kind === 'commit' ? { ...t, weight: -1 } : t)) } }).join('\n')).toMatch(/loss term 'commit': weight -1/);
    expect(verifyIR({ ...ir, loss: { ...ir.loss, terms: ir.loss.terms.filter((t) => t.kind !== 'crossEntropy') } }).join('\n')).toMatch(/no crossEntropy term/);
    expect(verifyIR({ ...ir, params: ir.params.map((p, i) => (i === 0 ? { ...p, lrScale: NaN } : p)) }).join('\n')).toMatch(/lrScale NaN/);
  });
});
