/**
 * Frozen stages and learning-rate groups as IR data: `backbone ... freeze=[...]`
 * makes a stage's parameters non-trainable and its BatchNorms `frozen` (running
 * statistics in training), `train { lr_scale backbone=... }` and the anchors'
 * `quantize lr_scale` set each trainable parameter's ParamSpec.lrScale by group;
 * an unknown stage name is an IB3409 at the name, listing the stages.
 */
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../../src/compiler/compile.js';
import type { ModelIR } from '../../../src/compiler/ir/ir.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { BASE_SPEC, compileBriefs, mutate } from '../../fixtures/spec-text.js';

function compileIr(text: string): ModelIR {
  const compiled = compileSpec('/specs/main.ibspec', memoryFileSystem({ '/specs/main.ibspec': text }));
  if (!compiled.value) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
  return compiled.value.ir;
}

const FROZEN = mutate('backbone custom {', 'backbone custom freeze=[stage1] {');
const QUANTIZED = mutate('    beta 0.01\n', '    beta 0.01\n    quantize {\n      lr_scale 0.001\n    }\n');

describe('frozen stages', () => {
  it("a frozen stage's parameters do not train and its BatchNorms are frozen; the other stages are untouched", () => {
    const ir = compileIr(FROZEN);
    const stage1 = ir.params.filter((p) => p.name.startsWith('backbone/stage1/'));
    expect(stage1.map((p) => p.name).sort()).toEqual(
      ['backbone/stage1/bn0/beta', 'backbone/stage1/bn0/gamma', 'backbone/stage1/bn0/moving_mean', 'backbone/stage1/bn0/moving_variance', 'backbone/stage1/conv0/bias', 'backbone/stage1/conv0/kernel'].sort(),
    );
    for (const p of stage1) expect(p.trainable, p.name).toBe(false);
    for (const p of ir.params.filter((q) => q.name.startsWith('backbone/stage2/') && q.group === 'weights')) expect(p.trainable, p.name).toBe(true);
    const norms = ir.nodes.filter((n) => n.op === 'BatchNorm');
    expect(norms.map((n) => [n.id, 'frozen' in n.attrs])).toEqual([['backbone/stage1/bn0', true]]);
    // Without freeze the IR is what it was: no frozen attribute at all.
    expect(compileIr(BASE_SPEC).nodes.filter((n) => n.op === 'BatchNorm').map((n) => n.attrs)).toEqual([{ epsilon: 1e-5, momentum: 0.1 }]);
  });

  it("an unknown stage is an IB3409 at its name, with the backbone's stages and the nearest", () => {
    const text = mutate('backbone custom {', 'backbone custom freeze=[stage1, stag2] {');
    expect(compileBriefs(text)).toEqual(["IB3409 5:35-5:40 cannot freeze 'stag2': the backbone's stages are stage1, stage2 (did you mean 'stage2'?)"]);
  });

  it('a stage named twice is a warning (IB3410) at the second', () => {
    const text = mutate('backbone custom {', 'backbone custom freeze=[stage1, stage1] {');
    expect(compileBriefs(text)).toEqual(["IB3410 5:35-5:41 stage 'stage1' is listed twice in freeze=[...]"]);
  });

  it("built-in backbones freeze their named stages (resnet18's stem and layer1)", () => {
    const text = `model {\n  input 32x32x3\n  classes 10\n  backbone resnet18 freeze=[stem, layer1]\n}\ndata synthetic\n`;
    const ir = compileIr(text);
    const frozen = ir.params.filter((p) => !p.trainable && p.group === 'weights').map((p) => p.name);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.every((n) => n.startsWith('backbone/stem/') || n.startsWith('backbone/layer1/'))).toBe(true);
    expect(ir.params.filter((p) => (p.name.startsWith('backbone/stem/') || p.name.startsWith('backbone/layer1/')) && p.trainable)).toEqual([]);
    expect(compileBriefs(text.replace('layer1]', 'layer9]'))).toEqual([
      "IB3409 4:35-4:41 cannot freeze 'layer9': the backbone's stages are stem, layer1, layer2, layer3, layer4, tail (did you mean 'layer1'?)",
    ]);
  });
});

describe('learning-rate groups', () => {
  it("each trainable parameter's lrScale is its group's: backbone, attention, encoder, decoder, and the anchors' own", () => {
    const text = mutate('  batch 32\n', '  batch 32\n  lr_scale backbone=0.1 attention=0.5 encoder=2 decoder=3\n', QUANTIZED);
    const ir = compileIr(text);
    const scale = (prefix: string) => [...new Set(ir.params.filter((p) => p.name.startsWith(prefix) && p.trainable).map((p) => p.lrScale))];
    expect(scale('backbone/')).toEqual([0.1]);
    expect(scale('attention/head/')).toEqual([0.5]);
    expect(scale('attention/std_head/')).toEqual([0.5]);
    expect(scale('attention/quantize/')).toEqual([0.001]);
    expect(scale('encoder/')).toEqual([2]);
    expect(scale('decoder/')).toEqual([3]);
    // Every trainable parameter is in a group.
    expect(ir.params.filter((p) => p.trainable).every((p) => ['backbone/', 'attention/', 'encoder/', 'decoder/'].some((g) => p.name.startsWith(g)))).toBe(true);
  });

  it('the baseline classifier is a group too; by default every scale is 1', () => {
    const baseline = `model {\n  input 12x12x1\n  classes 4\n  backbone custom {\n    stage s1 {\n      conv 4\n    }\n  }\n}\ndata synthetic\n`;
    expect(new Set(compileIr(baseline).params.map((p) => p.lrScale))).toEqual(new Set([1]));
    const ir = compileIr(`${baseline}train {\n  lr_scale classifier=0.2\n}\n`);
    expect(ir.params.filter((p) => p.name.startsWith('classifier/')).map((p) => p.lrScale)).toEqual([0.2, 0.2]);
    expect(ir.params.filter((p) => p.name.startsWith('backbone/')).map((p) => p.lrScale)).toEqual([1, 1]);
  });

  it('a negative scale is a schema error at the value', () => {
    expect(compileBriefs(mutate('  batch 32\n', '  batch 32\n  lr_scale backbone=-1\n'))).toEqual(['IB2003 31:21-31:23 lr_scale backbone must be ≥ 0, got -1']);
  });
});
