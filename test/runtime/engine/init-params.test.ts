import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { initParams, initParamsInto } from '../../../src/runtime/engine/init-params.js';
import type { ModelIR } from '../../../src/compiler/ir/ir.js';
import { attention, conv, makeSpec, pool, relu } from '../../fixtures/spec-fixtures.js';

function ir(init: 'vgg' | 'wrn' | 'he' = 'he', extraLayer = false): ModelIR {
  const stage1 = extraLayer ? [conv(8), relu, conv(8), pool(2)] : [conv(8), relu, pool(2)];
  const r = buildModel(
    makeSpec({
      init,
      backbone: { kind: 'custom', stages: [{ name: 'stage1', layers: stage1 }, { name: 'stage2', layers: [conv(64), pool(2)] }, { name: 'stage3', layers: [conv(16)] }] },
      attention: attention({ quantize: { anchors: 5, init: { kind: 'linspace', low: 0, high: 1 }, trainable: true, lrScale: 1, vqWeight: 0.4, commitWeight: 0.1 } }),
    }),
  );
  return r.value!;
}

const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const stats = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  return { mean, sd, min: Math.min(...a), max: Math.max(...a) };
};

describe('initParams', () => {
  it('takes pretrained values where given (a copy), and draws every other parameter exactly as without them', () => {
    const model = ir();
    const plain = initParams(model, 3);
    const kernel = model.params.find((p) => p.name.endsWith('conv0/kernel'))!;
    const given = Float32Array.from({ length: plain.get(kernel.name)!.length }, (_, i) => i / 7);
    const pretrained = new Map([[kernel.name, given]]);
    const withTrunk = initParams(model, 3, pretrained);
    expect(same(withTrunk.get(kernel.name)!, given)).toBe(true);
    expect(withTrunk.get(kernel.name)).not.toBe(given);
    for (const p of model.params) if (p.name !== kernel.name) expect(same(withTrunk.get(p.name)!, plain.get(p.name)!), p.name).toBe(true);
    const into = new Map(model.params.map((p) => [p.name, new Float32Array(plain.get(p.name)!.length)]));
    initParamsInto(model, 3, (name) => into.get(name)!, pretrained);
    for (const p of model.params) expect(same(into.get(p.name)!, withTrunk.get(p.name)!), p.name).toBe(true);
  });

  it('gives every parameter a value of the right size; deterministic in the seed', () => {
    const model = ir();
    const a = initParams(model, 7);
    const b = initParams(model, 7);
    const c = initParams(model, 8);
    for (const p of model.params) {
      expect(a.get(p.name)!.length).toBe(p.shape.reduce((x, d) => x * d, 1));
      expect(same(a.get(p.name)!, b.get(p.name)!)).toBe(true);
    }
    expect(same(a.get('encoder/dense/kernel')!, c.get('encoder/dense/kernel')!)).toBe(false);
  });

  it('adding a layer does not change the other parameters', () => {
    const a = initParams(ir('he', false), 3);
    const b = initParams(ir('he', true), 3);
    expect(b.get('backbone/stage2/conv0/kernel')).toEqual(a.get('backbone/stage2/conv0/kernel'));
    expect(b.get('decoder/linear1/kernel')).toEqual(a.get('decoder/linear1/kernel'));
  });

  it('follows the initialisers: he normal, BN 1/0, buffers 0/1, anchors linspace', () => {
    const model = ir('he');
    const v = initParams(model, 1);
    const k = stats(v.get('backbone/stage2/conv0/kernel')!); // 3*3*8 fan-in, 4608 values
    expect(k.mean).toBeCloseTo(0, 1);
    expect(k.sd).toBeCloseTo(Math.sqrt(2 / 72), 1);
    expect(Array.from(v.get('attention/quantize/anchors')!)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(v.get('attention/std_head/conv/bias')!.every((x) => x === 0)).toBe(true);
    const dense = stats(v.get('encoder/dense/kernel')!);
    const bound = 1 / Math.sqrt(model.params.find((p) => p.name === 'encoder/dense/kernel')!.fanIn);
    expect(dense.max).toBeLessThanOrEqual(bound);
    expect(dense.min).toBeGreaterThanOrEqual(-bound);
  });

  it('vgg: Xavier-uniform bound gain*sqrt(6/(fanIn+fanOut)), BN gamma in [0,1)', () => {
    const model = ir('vgg');
    const v = initParams(model, 1);
    const p = model.params.find((x) => x.name === 'backbone/stage2/conv0/kernel')!;
    const s = stats(v.get(p.name)!);
    const bound = Math.SQRT2 * Math.sqrt(6 / (p.fanIn + p.fanOut));
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(bound * 0.9);
    const g = stats(v.get('backbone/stage1/bn0/gamma') ?? new Float32Array([0.5]));
    expect(g.min).toBeGreaterThanOrEqual(0);
    expect(g.max).toBeLessThan(1);
  });

  it('random anchors with their own seed do not depend on the run seed', () => {
    const r = buildModel(
      makeSpec({ attention: attention({ quantize: { anchors: 6, init: { kind: 'random', low: 0.2, high: 0.4, seed: 5 }, trainable: true, lrScale: 1, vqWeight: 0.4, commitWeight: 0.1 } }) }),
    ).value!;
    const a = initParams(r, 1).get('attention/quantize/anchors')!;
    expect(initParams(r, 2).get('attention/quantize/anchors')).toEqual(a);
    expect(a.every((x) => x >= 0.2 && x < 0.4)).toBe(true);
  });
});
