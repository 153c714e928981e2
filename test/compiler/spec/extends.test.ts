import { describe, expect, it } from 'vitest';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { loadSpec } from '../../../src/compiler/spec/load-spec.js';
import { BASE_SPEC, brief } from '../../fixtures/spec-text.js';

function load(files: Record<string, string>, entry: string) {
  return loadSpec(entry, memoryFileSystem(files));
}

describe('extends', () => {
  it('merges the child over the base: objects merge, values override', () => {
    const r = load(
      {
        '/specs/base/small.ibspec': BASE_SPEC,
        '/specs/child.ibspec': 'extends "base/small.ibspec"\nmodel {\n  attention {\n    beta 0.5\n  }\n}\ntrain {\n  epochs 7\n}\n',
      },
      '/specs/child.ibspec',
    );
    expect(r.diagnostics).toEqual([]);
    const spec = r.value!;
    expect(spec.model.attention!.beta).toBe(0.5);
    expect(spec.model.attention!.latent).toBe(32);
    expect(spec.train.epochs).toBe(7);
    expect(spec.train.batchSize).toBe(32);
    // name is not inherited: the child's file name
    expect(spec.name).toBe('child');
    // data paths resolve against the file that wrote them (the base's folder)
    expect(spec.data.kind === 'idx' && spec.data.train.images).toBe('/specs/base/train-images.gz');
    // spans of merged values keep pointing at their own file
    expect(spec.model.attention!.origin!.file).toBe('/specs/child.ibspec');
    expect(spec.model.backbone.origin!.file).toBe('/specs/base/small.ibspec');
  });

  it('replaces lists (layer lists too) and objects whose kind changes', () => {
    const r = load(
      {
        '/base.ibspec': BASE_SPEC,
        '/child.ibspec': [
          'extends "base.ibspec"',
          'model {',
          '  backbone custom {',
          '    stage only {',
          '      conv 4',
          '      relu',
          '    }',
          '  }',
          '  attention at=only {',
          '  }',
          '}',
          'train {',
          '  optimizer adam lr=0.001',
          '}',
        ].join('\n'),
      },
      '/child.ibspec',
    );
    expect(r.diagnostics).toEqual([]);
    const b = r.value!.model.backbone;
    expect(b.kind === 'custom' && b.stages.map((s) => s.name)).toEqual(['only']);
    expect(r.value!.train.optimizer).toEqual({ kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
  });

  it('reports a value error in the base at the base file', () => {
    const r = load({ '/base.ibspec': BASE_SPEC.replace('beta 0.01', 'beta -1'), '/child.ibspec': 'extends "base.ibspec"\n' }, '/child.ibspec');
    expect(r.diagnostics.map((d) => `${d.span?.file} ${brief(d)}`)).toEqual(['/base.ibspec IB2003 20:10-20:12 beta must be ≥ 0, got -1']);
  });

  it('a child can fix what the base leaves out', () => {
    const partial = BASE_SPEC.replace('  classes 10\n', '');
    expect(load({ '/base.ibspec': partial }, '/base.ibspec').diagnostics.map(brief)).toEqual(["IB2004 2:1-2:6 'model' needs 'classes'"]);
    expect(load({ '/base.ibspec': partial, '/child.ibspec': 'extends "base.ibspec"\nmodel.classes 10\n' }, '/child.ibspec').diagnostics).toEqual([]);
  });

  it('reports a missing base at the extends string', () => {
    const r = load({ '/a.ibspec': 'extends "missing.ibspec"\n' }, '/a.ibspec');
    expect(r.diagnostics.map(brief)).toEqual(["IB3101 1:9-1:25 cannot read the base spec '/missing.ibspec'"]);
  });

  it('reports a cycle at the extends string that closes it', () => {
    const r = load({ '/a.ibspec': 'extends "b.ibspec"\n', '/b.ibspec': 'extends "a.ibspec"\n' }, '/a.ibspec');
    expect(r.diagnostics.map((d) => `${d.span?.file} ${brief(d)}`)).toEqual(['/b.ibspec IB3102 1:9-1:19 extends cycle: /a.ibspec → /b.ibspec → /a.ibspec']);
  });

  it('reports a file extending itself', () => {
    const r = load({ '/a.ibspec': 'extends "a.ibspec"\n' }, '/a.ibspec');
    expect(r.diagnostics.map(brief)).toEqual(['IB3102 1:9-1:19 extends cycle: /a.ibspec → /a.ibspec']);
  });

  it('needs a quoted file name', () => {
    const r = load({ '/a.ibspec': 'extends base\n' }, '/a.ibspec');
    expect(r.diagnostics.map(brief)).toContain('IB3103 1:1-1:13 extends needs one quoted file name: extends "base.ibspec"');
  });

  it('reports syntax errors in the base together with the child', () => {
    const r = load({ '/base.ibspec': BASE_SPEC.replace('classes 10', 'classes 10 ='), '/child.ibspec': 'extends "base.ibspec"\ntrain.epochs 0\n' }, '/child.ibspec');
    const files = r.diagnostics.map((d) => `${d.span?.file} ${d.code}`);
    expect(files).toContain('/child.ibspec IB2003');
    expect(files.some((f) => f.startsWith('/base.ibspec IB1'))).toBe(true);
  });

  it('does not inherit the sweep', () => {
    const base = `${BASE_SPEC}sweep {\n  model.attention.beta in [0.1, 0.2]\n}\n`;
    const r = load({ '/base.ibspec': base, '/child.ibspec': 'extends "base.ibspec"\nname kid\n' }, '/child.ibspec');
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.name).toBe('kid');
  });
});
