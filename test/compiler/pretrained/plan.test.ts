/**
 * The weights stage of `ibc check`: which tensor feeds which trunk parameter, and
 * every mismatch as a diagnostic located at the weights="..." string. A tiny WRN
 * (ibc's documented names, no torchvision twin) keeps the files small; the
 * torchvision names are checked against torchvision itself (torchvision-parity.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../../src/compiler/compile.js';
import { encodeTorchExport, torchStateDict } from '../../../src/compiler/pretrained/export.js';
import { formatWeightsTable, loadPlannedWeights, planWeights } from '../../../src/compiler/pretrained/plan.js';
import { encodeSafetensors, type TensorToWrite } from '../../../src/compiler/pretrained/safetensors.js';
import { torchNames } from '../../../src/compiler/pretrained/names.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { encodeCheckpoint } from '../../../src/support/checkpoint-format.js';
import { initParams } from '../../../src/runtime/engine/init-params.js';

const SPEC = (backbone: string) => `model {
  input 8x8x3
  classes 3
  backbone ${backbone}
  attention at=group2 {
    latent 4
  }
}
data synthetic
`;
const TINY = 'wrn depth=10 widen=1 dropout=0';

/** The tiny model's exported weights (seed 1), as name -> tensor, to edit into bad files. */
function exported(): Map<string, TensorToWrite> {
  const c = compileSpec('/s.ibspec', memoryFileSystem({ 's.ibspec': SPEC(TINY) })).value!;
  return new Map(torchStateDict(c.ir, c.spec.model.backbone, initParams(c.ir, 1)).tensors);
}

async function plan(files: Record<string, string | Uint8Array>, backbone = `${TINY} weights="w.safetensors"`) {
  const fs = memoryFileSystem({ 's.ibspec': SPEC(backbone), ...files });
  const c = compileSpec('/s.ibspec', fs);
  if (!c.value) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return { ...(await planWeights(c.value.spec, c.value.ir, fs)), ir: c.value.ir, spec: c.value.spec };
}

const safetensors = (tensors: ReadonlyMap<string, TensorToWrite>) => Buffer.concat(encodeSafetensors(tensors));

/** The text a diagnostic underlines, from the spec text. */
function underlined(d: Diagnostic, text: string): string {
  return text.slice(d.span!.start.offset, d.span!.end.offset);
}

describe('matching a weights file to the trunk', () => {
  it('feeds every trunk parameter from its tensor, converting layouts, and lists what stays random', async () => {
    const { plan: p, diagnostics, ir } = await plan({ 'w.safetensors': safetensors(exported()) });
    const trunk = ir.params.filter((x) => x.name.startsWith('backbone/'));
    expect(p!.assignments.length).toBe(trunk.length);
    expect(p!.missing).toEqual([]);
    expect(p!.unexpected).toEqual([]);
    // The rest of the model is in the file under its own names: not loaded, not unexpected.
    expect(p!.ignored).toContain('decoder.linear0.weight');
    expect(p!.random).toEqual(['attention/head', 'attention/std_head', 'encoder', 'decoder']);
    expect(diagnostics.map((d) => d.code)).toEqual(['IB3407']);
    expect(diagnostics[0]!.message).toContain(`${trunk.length} of ${trunk.length} parameters`);
    expect(diagnostics[0]!.message).toContain('convolutions OIHW -> HWIO');
    expect(underlined(diagnostics[0]!, SPEC(`${TINY} weights="w.safetensors"`))).toBe('"w.safetensors"');
    const loaded = await loadPlannedWeights(p!);
    if ('problem' in loaded) throw new Error(loaded.problem);
    const fresh = initParams(ir, 1);
    for (const x of trunk) expect(Array.from(loaded.weights.get(x.name)!), x.name).toEqual(Array.from(fresh.get(x.name)!));
    const table = formatWeightsTable(p!);
    expect(table).toContain('backbone/conv1/conv0/kernel');
    expect(table).toMatch(/backbone\/conv1\/conv0\/kernel\s+backbone\.conv1\.conv0\.weight\s+\[16, 3, 3, 3\]\s+OIHW -> HWIO/);
    expect(table).toContain('random initial values: attention/head, attention/std_head, encoder, decoder');
  });

  it('names missing and unexpected tensors: errors, or warnings with strict=false', async () => {
    const tensors = exported();
    tensors.delete('backbone.group1.block0.conv1.weight');
    tensors.set('extra.weight', { shape: [2], data: new Float32Array(2) });
    const strict = await plan({ 'w.safetensors': safetensors(tensors) });
    expect(strict.plan).toBeUndefined();
    expect(strict.diagnostics.map((d) => [d.code, d.severity])).toEqual([['IB3402', 'error'], ['IB3403', 'error']]);
    expect(strict.diagnostics[0]!.message).toContain("'backbone/group1/block0/conv1/kernel' <- 'backbone.group1.block0.conv1.weight'");
    expect(strict.diagnostics[1]!.message).toContain("'extra.weight'");
    const loose = await plan({ 'w.safetensors': safetensors(tensors) }, `${TINY} weights="w.safetensors" strict=false`);
    expect(loose.diagnostics.map((d) => [d.code, d.severity])).toEqual([['IB3404', 'warning'], ['IB3405', 'warning'], ['IB3407', 'info']]);
    expect(loose.plan!.random).toContain('backbone/group1 (missing from the file)');
  });

  it('reports a shape mismatch with both shapes, even with strict=false, and an integer tensor', async () => {
    const tensors = exported();
    tensors.set('backbone.conv1.conv0.weight', { shape: [16, 1, 3, 3], data: new Float32Array(144) });
    const { diagnostics } = await plan({ 'w.safetensors': safetensors(tensors) }, `${TINY} weights="w.safetensors" strict=false`);
    expect(diagnostics.map((d) => d.code)).toEqual(['IB3401']);
    expect(diagnostics[0]!.message).toBe("tensor 'backbone.conv1.conv0.weight' is [16, 1, 3, 3] but 'backbone/conv1/conv0/kernel' needs [16, 3, 3, 3] (PyTorch's OIHW convolution layout)");
    const header = JSON.stringify({ 'backbone.conv1.conv0.weight': { dtype: 'I32', shape: [16, 3, 3, 3], data_offsets: [0, 1728] } });
    const n = new Uint8Array(8);
    new DataView(n.buffer).setBigUint64(0, BigInt(header.length), true);
    const ints = Buffer.concat([n, new TextEncoder().encode(header), new Uint8Array(1728)]);
    const intResult = await plan({ 'w.safetensors': ints }, `${TINY} weights="w.safetensors" strict=false`);
    expect(intResult.diagnostics.map((d) => d.code)).toContain('IB3406');
  });

  it('reports a missing or unreadable file at the weights string, and strict= without weights', async () => {
    const text = SPEC(`${TINY} weights="nowhere.pth"`);
    const { diagnostics } = await plan({}, `${TINY} weights="nowhere.pth"`);
    expect(diagnostics.map((d) => d.code)).toEqual(['IB3400']);
    expect(diagnostics[0]!.message).toBe("cannot use the weights file '/nowhere.pth': it does not exist");
    expect(underlined(diagnostics[0]!, text)).toBe('"nowhere.pth"');
    const strictAlone = await plan({}, `${TINY} strict=false`);
    expect(strictAlone.diagnostics.map((d) => d.code)).toEqual(['IB3408']);
    expect((await plan({}, TINY)).diagnostics).toEqual([]);
  });

  it("loads an ibc run's trunk by ibc's own names, and nothing else of it", async () => {
    const c = compileSpec('/s.ibspec', memoryFileSystem({ 's.ibspec': SPEC(TINY) })).value!;
    const trained = initParams(c.ir, 7);
    const tensors = new Map([...trained].map(([name, data]) => [`weights/${name}`, { shape: c.ir.params.find((x) => x.name === name)!.shape, data }]));
    const ckpt = Buffer.concat(encodeCheckpoint({ meta: { format: 'ibc-training-state', epoch: 1 }, tensors }));
    const { plan: p, diagnostics } = await plan({ 'run/checkpoints/last.ibck': ckpt }, `${TINY} weights="run"`);
    expect(diagnostics.map((d) => d.code)).toEqual(['IB3407']);
    expect(p!.assignments.every((a) => a.layout === 'same' && a.param.startsWith('backbone/'))).toBe(true);
    expect(p!.ignored).toContain('decoder/linear0/kernel');
    const loaded = await loadPlannedWeights(p!);
    if ('problem' in loaded) throw new Error(loaded.problem);
    expect(Array.from(loaded.weights.get('backbone/conv1/conv0/kernel')!)).toEqual(Array.from(trained.get('backbone/conv1/conv0/kernel')!));
  });

  it("points a torchvision vgg16_bn file at variant=imagenet when the spec has ibc's CIFAR vgg16_bn", async () => {
    const file = safetensors(new Map([['features.0.weight', { shape: [64, 3, 3, 3], data: new Float32Array(1728) }]]));
    const fs = memoryFileSystem({ 's.ibspec': SPEC('vgg16_bn weights="w.safetensors"').replace('8x8x3', '32x32x3').replace('group2', 'block3'), 'w.safetensors': file });
    const c = compileSpec('/s.ibspec', fs).value!;
    const { diagnostics } = await planWeights(c.spec, c.ir, fs);
    expect(diagnostics.find((d) => d.code === 'IB3402')!.message).toContain('variant=imagenet');
  });

  it("gives every parameter of a torchvision twin torchvision's name (vgg16_bn variant=imagenet, resnet50)", () => {
    const names = (backbone: string) => {
      const c = compileSpec('/s.ibspec', memoryFileSystem({ 's.ibspec': SPEC(backbone).replace('8x8x3', '32x32x3').replace('group2', 'block3').replace('at=block3', backbone.startsWith('resnet') ? 'at=layer2' : 'at=block3') })).value!;
      return torchNames(c.ir, c.spec.model.backbone);
    };
    const vgg = names('vgg16_bn variant=imagenet');
    expect(vgg.get('backbone/block1/conv0/kernel')).toEqual({ key: 'features.0.weight', layout: 'oihw' });
    expect(vgg.get('backbone/block1/bn0/moving_variance')).toEqual({ key: 'features.1.running_var', layout: 'same' });
    expect(vgg.get('backbone/block5/conv2/bias')).toEqual({ key: 'features.40.bias', layout: 'same' });
    expect(vgg.get('decoder/linear0/kernel')).toEqual({ key: 'decoder.linear0.weight', layout: 'out-in' });
    const resnet = names('resnet50');
    expect(resnet.get('backbone/layer3/bottleneck5/bn3/gamma')?.key).toBe('layer3.5.bn3.weight');
    expect(resnet.get('backbone/layer4/bottleneck0/downsample/conv/kernel')?.key).toBe('layer4.0.downsample.0.weight');
    expect(resnet.get('attention/head/conv0/kernel')?.key).toBe('attention.head.conv0.weight');
  });
});

describe('exports', () => {
  it("write safetensors metadata naming the spec and the trunk's names", () => {
    const c = compileSpec('/s.ibspec', memoryFileSystem({ 's.ibspec': SPEC(TINY) })).value!;
    const chunks = encodeTorchExport(torchStateDict(c.ir, c.spec.model.backbone, initParams(c.ir, 1)), { specName: 'tiny', specHash: 'abc' });
    const n = Number(new DataView(chunks[0]!.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(chunks[1]!)) as Record<string, unknown>;
    expect(header['__metadata__']).toEqual({ format: 'pt', producer: 'ibc', spec: 'tiny', spec_hash: 'abc', trunk_names: 'ibc' });
    expect(header['attention.quantize.anchors']).toBeUndefined();
    expect(header['encoder.dense.weight']).toMatchObject({ dtype: 'F32', shape: [8, 64] });
  });
});
