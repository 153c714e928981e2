import { describe, expect, it } from 'vitest';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { loadSpec } from '../../../src/compiler/spec/load-spec.js';
import { serializeSpec, specHash } from '../../../src/compiler/spec/serialize.js';
import type { ResolvedSpec } from '../../../src/compiler/spec/resolved-spec.js';
import { defaultAttention, defaultExport, defaultQuantize, defaultSyntheticData, defaultTrain } from '../../fixtures/resolved-spec.js';
import { present } from '../../fixtures/present.js';

const MINIMAL = `model {
  input 32x32x3
  classes 10
  backbone vgg16_bn weights="w/trunk.ibck"
  attention at=block2 {
  }
}
data synthetic
`;

function resolved(text: string, file = '/work/exp/minimal.ibspec'): ResolvedSpec {
  const r = loadSpec(file, memoryFileSystem({ [file]: text }));
  expect(r.diagnostics).toEqual([]);
  return r.value!;
}

function strip<T>(value: T): T {
  return JSON.parse(serializeSpec(value as ResolvedSpec)) as T;
}

describe('defaults', () => {
  it('fills every default of a minimal spec', () => {
    expect(strip(resolved(MINIMAL))).toEqual({
      name: 'minimal',
      model: {
        input: [32, 32, 3],
        classes: 10,
        init: 'vgg',
        backbone: { kind: 'vgg16_bn', weights: '/work/exp/w/trunk.ibck' },
        attention: defaultAttention('block2', 256, 10),
      },
      data: defaultSyntheticData(3),
      train: defaultTrain,
      export: defaultExport,
    });
  });

  it('derives init from the backbone', () => {
    const withBackbone = (b: string, at: string) => resolved(MINIMAL.replace('vgg16_bn weights="w/trunk.ibck"', b).replace('block2', at)).model.init;
    expect(withBackbone('wrn depth=16 widen=2', 'group2')).toBe('wrn');
    expect(withBackbone('resnet18', 'layer3')).toBe('he');
    expect(withBackbone('vgg16', 'block4')).toBe('vgg');
    expect(resolved(MINIMAL.replace('classes 10', 'classes 10\n  init he')).model.init).toBe('he');
  });

  it('fills layer, quantize, optimizer and schedule defaults', () => {
    const spec = resolved(`model {
  input 16x16x1
  classes 3
  backbone custom {
    stage a {
      conv 4 kernel=5x3 stride=2 padding=1
      batchnorm
      leaky_relu
      maxpool 2 stride=1
      avgpool 3x3
      basic_block 8
      bottleneck 4 width=2
      adaptive_avgpool 2
      dropout 0.2
      flatten
      linear 3 bias=false
    }
  }
  attention at=a {
    quantize
  }
}
data synthetic train_count=64
train {
  optimizer adam
  schedule step every=5
}
`);
    const layers = spec.model.backbone.kind === 'custom' ? strip(present(spec.model.backbone.stages[0], 'the first stage').layers) : [];
    expect(layers).toEqual([
      { type: 'conv', filters: 4, kernel: [5, 3], stride: [2, 2], padding: 1, dilation: [1, 1], bias: true },
      { type: 'batchnorm', epsilon: 1e-5, momentum: 0.1 },
      { type: 'leaky_relu', alpha: 0.01 },
      { type: 'maxpool', size: [2, 2], stride: [1, 1], padding: 'valid' },
      { type: 'avgpool', size: [3, 3], stride: [3, 3], padding: 'valid' },
      { type: 'basic_block', filters: 8, stride: 1, preact: false, dropout: 0 },
      { type: 'bottleneck', filters: 4, stride: 1, expansion: 4, widthFactor: 2 },
      { type: 'adaptive_avgpool', size: [2, 2] },
      { type: 'dropout', rate: 0.2 },
      { type: 'flatten' },
      { type: 'linear', units: 3, bias: false },
    ]);
    expect(strip(spec.model.attention!.quantize)).toEqual(defaultQuantize);
    expect(spec.train.optimizer).toEqual({ kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
    expect(spec.train.schedule).toEqual({ kind: 'step', every: 5, gamma: 0.1 });
    expect(spec.data.kind === 'synthetic' && spec.data.trainCount).toBe(64);
  });

  it('fills origin spans and the insertion point span', () => {
    const spec = resolved(MINIMAL);
    expect(spec.model.origin?.start.line).toBe(1);
    expect(spec.model.attention!.atOrigin).toMatchObject({ file: '/work/exp/minimal.ibspec', start: { line: 5, column: 16 }, end: { line: 5, column: 22 } });
  });

  it('serialises canonically and hashes the meaning, not the layout', () => {
    const a = resolved(MINIMAL);
    const b = resolved(`# same spec, other layout\n${MINIMAL.replace(/\n  /g, '\n    ')}`, '/elsewhere/minimal.ibspec');
    // weights resolve against another folder, so compare without them
    const drop = (s: ResolvedSpec) => ({ ...s, model: { ...s.model, backbone: { kind: s.model.backbone.kind } } }) as ResolvedSpec;
    expect(serializeSpec(drop(a))).toBe(serializeSpec(drop(b)));
    expect(specHash(drop(a))).toBe(specHash(drop(b)));
    expect(specHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(serializeSpec(a)).not.toContain('origin');
    expect(specHash(resolved(MINIMAL.replace('classes 10', 'classes 11').replace('attention at=block2 {\n  }', '')))).not.toBe(specHash(a));
  });

  it('leaves out of the hash what never changes a result: the step log cadence and when the last checkpoint is also written', () => {
    const base = resolved(MINIMAL);
    const watched = (s: ResolvedSpec, train: Partial<ResolvedSpec['train']>) => ({ ...s, train: { ...s.train, ...train } }) as ResolvedSpec;
    const cadence = watched(base, { logEvery: 7, checkpoint: { ...base.train.checkpoint, everySteps: 10, everyMinutes: 0.5 } });
    expect(specHash(cadence)).toBe(specHash(base));
    // The canonical form on disk still says what the run used.
    expect(serializeSpec(cadence)).toContain('"everySteps": 10');
    // What decides which checkpoint files exist, and anything trained, still counts.
    expect(specHash(watched(base, { checkpoint: { ...base.train.checkpoint, keepBest: !base.train.checkpoint.keepBest } }))).not.toBe(specHash(base));
    expect(specHash(watched(base, { seed: base.train.seed + 1 }))).not.toBe(specHash(base));
  });

  it('refuses a checkpoint cadence of zero, a fraction of a step, or no minutes, where it is written', () => {
    const file = '/work/exp/cadence.ibspec';
    const codes = (option: string) => loadSpec(file, memoryFileSystem({ [file]: `${MINIMAL}train {\n  checkpoint ${option}\n}\n` })).diagnostics.map((d) => `${d.code} ${d.span?.start.line}:${d.span?.start.column}`);
    expect(codes('every_steps=0')).toEqual(['IB2003 10:26']);
    expect(codes('every_steps=2.5')).toEqual(['IB2001 10:26']);
    expect(codes('every_minutes=0')).toEqual(['IB2003 10:28']);
    expect(codes('every_steps=1 every_minutes=0.01')).toEqual([]);
  });
});
