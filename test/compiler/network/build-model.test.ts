import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { verifyIR } from '../../../src/compiler/ir/verify.js';
import { quantizerAnchors } from '../../../src/compiler/ir/loss.js';
import type { Span } from '../../../src/diagnostics/diagnostic.js';
import type { LayerSpec } from '../../../src/compiler/spec/resolved-spec.js';
import { attention, conv, flatten, linear, makeSpec, pool, relu } from '../../fixtures/spec-fixtures.js';

const at = (line: number): Span => ({ file: 'x.ibspec', start: { offset: line * 10, line, column: 3 }, end: { offset: line * 10 + 5, line, column: 8 } });
const codes = (r: ReturnType<typeof buildModel>) => r.diagnostics.map((d) => d.code);

describe('buildModel: structure', () => {
  it('names nodes after the spec and lets name= win', () => {
    const named: LayerSpec = { ...conv(16), name: 'wide' };
    const r = buildModel(
      makeSpec({
        backbone: { kind: 'custom', stages: [{ name: 'stage1', layers: [conv(8), relu, pool(2)] }, { name: 'stage2', layers: [named, conv(8), pool(2)] }, { name: 'stage3', layers: [conv(8)] }] },
        attention: attention(),
      }),
    );
    const ids = r.value!.nodes.map((n) => n.id);
    expect(ids).toContain('backbone/stage1/conv0');
    expect(ids).toContain('backbone/stage2/wide');
    expect(ids).toContain('backbone/stage2/conv0');
    expect(ids).toContain('attention/head/conv0');
    expect(ids).toContain('encoder/dense');
    expect(ids).toContain('decoder/linear1');
    expect(r.value!.params.map((p) => p.name)).toContain('backbone/stage2/wide/kernel');
    expect(verifyIR(r.value!)).toEqual([]);
  });

  it('a quantized model has anchors trainable at their rate scale from the spec, and its loss the vq and commitment terms', () => {
    const r = buildModel(
      makeSpec({
        attention: attention({ quantize: { anchors: 7, init: { kind: 'random', low: 0, high: 1, seed: 3 }, trainable: false, lrScale: 1e-4, vqWeight: 0.4, commitWeight: 0.1 } }),
      }),
    );
    const ir = r.value!;
    const anchors = ir.params.find((p) => p.name === 'attention/quantize/anchors')!;
    expect(anchors).toMatchObject({ shape: [7], group: 'weights', trainable: false, init: { kind: 'uniform', low: 0, high: 1, seed: 3 } });
    expect(ir.taps.attentionQuantized).toBe('attention/quantize');
    expect(quantizerAnchors(ir)).toBe('attention/quantize/anchors');
    expect(anchors.lrScale).toBe(1e-4);
    expect(ir.loss.terms.filter((t) => t.kind === 'vq' || t.kind === 'commit')).toEqual([{ kind: 'vq', weight: 0.4 }, { kind: 'commit', weight: 0.1 }]);
    expect(ir.nodes.find((n) => n.op === 'Quantize')!.params.anchors).toBe('attention/quantize/anchors');
    expect(ir.samples).toEqual({ train: 1, eval: 4 });
    const modulate = ir.nodes.find((n) => n.op === 'Modulate')!;
    expect(modulate.inputs[1]).toBe('attention/quantize');
  });

  it('resizes the map when the head changes its size', () => {
    const head: LayerSpec[] = [conv(1, { stride: [2, 2] })];
    const ir = buildModel(makeSpec({ attention: attention({ head }) })).value!;
    const resize = ir.nodes.find((n) => n.op === 'ResizeNearest')!;
    expect(resize.attrs).toEqual({ size: [7, 7] });
    expect(ir.nodes.find((n) => n.id === 'attention/mean')!.shape).toEqual([4, 4, 1]);
    expect(verifyIR(ir)).toEqual([]);
  });

  it('a baseline gets the default classifier and no sampling', () => {
    const ir = buildModel(makeSpec()).value!;
    expect(ir.taps).toEqual({ logits: 'classifier/linear0' });
    expect(ir.nodes.map((n) => n.id)).toContain('classifier/flatten0');
    expect(ir.loss).toEqual({ classes: 10, unit: 'nats', terms: [{ kind: 'crossEntropy', weight: 1 }] });
    expect(ir.samples).toEqual({ train: 0, eval: 0 });
  });

  it('BN buffers are untrainable and initialised 0 / 1; vgg init uses Xavier and U(0,1) gammas', () => {
    const ir = buildModel(makeSpec({ init: 'vgg' })).value!;
    const byName = new Map(ir.params.map((p) => [p.name, p]));
    expect(byName.get('backbone/stage1/bn0/moving_mean')).toMatchObject({ group: 'buffers', trainable: false, init: { kind: 'zeros' } });
    expect(byName.get('backbone/stage1/bn0/moving_variance')).toMatchObject({ group: 'buffers', trainable: false, init: { kind: 'ones' } });
    expect(byName.get('backbone/stage1/bn0/gamma')!.init).toEqual({ kind: 'uniform', low: 0, high: 1 });
    expect(byName.get('backbone/stage1/conv0/kernel')!.init).toEqual({ kind: 'xavierUniform', gain: Math.SQRT2 });
    expect(byName.get('backbone/stage1/conv0/kernel')).toMatchObject({ fanIn: 9, fanOut: 72 });
    expect(byName.get('backbone/stage1/conv0/bias')!.init).toEqual({ kind: 'zeros' });
  });

  it('wrn init: conv N(0, sqrt(2/(k*k*Cout))), BN ones, linear bias zero', () => {
    const ir = buildModel(makeSpec({ init: 'wrn' })).value!;
    const byName = new Map(ir.params.map((p) => [p.name, p]));
    expect(byName.get('backbone/stage2/conv0/kernel')!.init).toEqual({ kind: 'normal', std: Math.sqrt(2 / (9 * 16)) });
    expect(byName.get('backbone/stage2/bn0/gamma')!.init).toEqual({ kind: 'ones' });
    expect(byName.get('classifier/linear0/bias')!.init).toEqual({ kind: 'zeros' });
    expect(byName.get('classifier/linear0/kernel')!.init).toEqual({ kind: 'torchDefault' });
  });

  it('built-in backbones yield the documented feature-map sizes', () => {
    const cases = [
      { backbone: { kind: 'vgg16_bn' as const }, input: [32, 32, 3] as const, stage: 'backbone/block3/maxpool0', shape: [16, 16, 256] },
      { backbone: { kind: 'vgg16' as const }, input: [224, 224, 3] as const, stage: 'backbone/block5/relu2', shape: [14, 14, 512] },
      { backbone: { kind: 'wrn' as const, depth: 28, widen: 10, dropout: 0.3 }, input: [32, 32, 3] as const, stage: 'backbone/group2/block3/add', shape: [16, 16, 320] },
      { backbone: { kind: 'wrn50_2' as const }, input: [224, 224, 3] as const, stage: 'backbone/layer3/bottleneck5/relu3', shape: [14, 14, 1024] },
      { backbone: { kind: 'resnet18' as const }, input: [224, 224, 3] as const, stage: 'backbone/layer4/block1/relu2', shape: [7, 7, 512] },
    ];
    for (const c of cases) {
      const r = buildModel(makeSpec({ backbone: c.backbone, input: c.input, classes: 10 }));
      expect(r.diagnostics).toEqual([]);
      expect(r.value!.nodes.find((n) => n.id === c.stage)?.shape).toEqual(c.shape);
    }
    const vgg = buildModel(makeSpec({ backbone: { kind: 'vgg16_bn' }, input: [32, 32, 3] })).value!;
    expect(vgg.nodes.find((n) => n.id === 'backbone/tail/relu2')!.shape).toEqual([1, 1, 512]);
  });
});

describe('buildModel: shape diagnostics', () => {
  it('a map size that differs from the feature map explains the pools', () => {
    const r = buildModel(makeSpec({ attention: attention({ mapSize: [14, 14], origin: at(20) }) }));
    expect(codes(r)).toEqual(['IB4005']);
    expect(r.diagnostics[0]!.message).toBe(
      "the map is 14x14 but the feature map at 'stage2' is 7x7 after 2 steps: 2x2 maxpool stride 2 'stage1/maxpool0' (28x28 -> 14x14), 2x2 maxpool stride 2 'stage2/maxpool0' (14x14 -> 7x7)",
    );
    expect(r.diagnostics[0]!.span).toEqual(at(20));
    expect(r.value).toBeUndefined();
  });

  it('a kernel that does not fit is reported at the layer with the arithmetic', () => {
    const big: LayerSpec = { ...conv(4, { kernel: [5, 5], padding: 'valid' }), origin: at(7) };
    const r = buildModel(makeSpec({ backbone: { kind: 'custom', stages: [{ name: 's', layers: [pool(2), pool(2), pool(2), big] }] } }));
    expect(codes(r)).toEqual(['IB4001']);
    expect(r.diagnostics[0]!.message).toMatch(/^'s\/conv0': conv kernel 5x5 does not fit the 3x3 input/);
    expect(r.diagnostics[0]!.message).toMatch(/after .*maxpool0' \(28x28 -> 14x14\)/);
    expect(r.diagnostics[0]!.span).toEqual(at(7));
  });

  it('a spatial size reaching 0 is reported', () => {
    const r = buildModel(makeSpec({ backbone: { kind: 'vgg16_bn' }, input: [16, 16, 3] }));
    expect(codes(r)).toEqual(['IB4001']);
    expect(r.diagnostics[0]!.message).toMatch(/tail\/maxpool1': maxpool kernel 2x2 does not fit the 1x1 input.*0x0/);
  });

  it('the decoder must end with `classes` units, and is checked even when the encoder fails', () => {
    const r = buildModel(makeSpec({ attention: attention({ decoder: [linear(64), relu, { ...linear(5), origin: at(30) }] }) }));
    expect(codes(r)).toEqual(['IB4006']);
    expect(r.diagnostics[0]!.message).toMatch(/outputs 5 values but the model has 10 classes/);
    expect(r.diagnostics[0]!.span).toEqual(at(30));
    const both = buildModel(
      makeSpec({ attention: attention({ mapSize: [3, 3], decoder: [linear(5)] }) }),
    );
    expect(codes(both).sort()).toEqual(['IB4005', 'IB4006']);
  });

  it('the head must end with one channel', () => {
    const r = buildModel(makeSpec({ attention: attention({ head: [conv(4)] }) }));
    expect(codes(r)).toEqual(['IB4004']);
  });

  it('an unknown insertion point lists the stages and suggests the closest', () => {
    const r = buildModel(makeSpec({ attention: attention({ at: 'stage_2', atOrigin: at(4) }) }));
    expect(codes(r)).toEqual(['IB3301']);
    expect(r.diagnostics[0]!.suggestion).toBe('stage2');
    expect(r.diagnostics[0]!.message).toMatch(/the backbone's stages are stage1, stage2, stage3/);
    expect(r.diagnostics[0]!.span).toEqual(at(4));
    const both = buildModel(makeSpec({ attention: attention({ at: 'nowhere', decoder: [linear(3)] }) }));
    expect(codes(both).sort()).toEqual(['IB3301', 'IB4006']);
  });

  it('an encoder head that stays a map, and a flat insertion point, are reported', () => {
    const r = buildModel(makeSpec({ attention: attention({ encoderHead: [conv(4)] }) }));
    expect(codes(r)).toEqual(['IB4008']);
    const flat = buildModel(
      makeSpec({ backbone: { kind: 'custom', stages: [{ name: 'stage1', layers: [pool(2)] }, { name: 'stage2', layers: [flatten] }] }, attention: attention() }),
    );
    expect(codes(flat)).toEqual(['IB4003']);
  });

  it('a classifier with the wrong width, a linear on a map, a bad WRN depth', () => {
    expect(codes(buildModel(makeSpec({ classifier: [flatten, linear(7)] })))).toEqual(['IB4007']);
    const dense = buildModel(makeSpec({ classifier: [linear(10)] }));
    expect(codes(dense)).toEqual(['IB4001']);
    expect(dense.diagnostics[0]!.message).toMatch(/add 'flatten'/);
    expect(codes(buildModel(makeSpec({ backbone: { kind: 'wrn', depth: 27, widen: 2, dropout: 0 }, input: [32, 32, 3] })))).toEqual(['IB4001']);
  });

  it('a basic_block on a vector is an error, not a crash', () => {
    const r = buildModel(makeSpec({ classifier: [flatten, { type: 'basic_block', filters: 4, stride: 1, preact: false, dropout: 0 }, linear(10)] }));
    expect(codes(r)).toEqual(['IB4001']);
  });

  it('every reported message has its placeholders filled', () => {
    const r = buildModel(makeSpec({ attention: attention({ mapSize: [3, 3], decoder: [linear(5)] }) }));
    for (const d of r.diagnostics) expect(d.message).not.toMatch(/\{\w+\}/);
  });

});
