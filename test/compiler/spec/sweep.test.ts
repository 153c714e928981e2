import { describe, expect, it } from 'vitest';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { loadSpec, loadSweep } from '../../../src/compiler/spec/load-spec.js';
import { memberSpecText } from '../../../src/compiler/spec/sweep.js';
import { serializeSpec } from '../../../src/compiler/spec/serialize.js';
import { BASE_SPEC, brief } from '../../fixtures/spec-text.js';
import { present } from '../../fixtures/present.js';

const SWEEP = `${BASE_SPEC}sweep {
  model.attention.beta in [0.001, 0.01]
  model.attention.latent in [8, 16, 32]
  train.optimizer.lr in [0.05]
}
`;

describe('sweep', () => {
  it('expands to the cartesian product with suffixed names', () => {
    const r = loadSweep('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': SWEEP }));
    expect(r.diagnostics).toEqual([]);
    const members = r.value!;
    expect(members.map((m) => m.name)).toEqual([
      'small--beta=0.001--latent=8--lr=0.05',
      'small--beta=0.001--latent=16--lr=0.05',
      'small--beta=0.001--latent=32--lr=0.05',
      'small--beta=0.01--latent=8--lr=0.05',
      'small--beta=0.01--latent=16--lr=0.05',
      'small--beta=0.01--latent=32--lr=0.05',
    ]);
    const m = present(members[4], 'member 4');
    expect(m.spec.name).toBe(m.name);
    expect(m.spec.model.attention?.beta).toBe(0.01);
    expect(m.spec.model.attention?.latent).toBe(16);
    // the decoder default follows the swept latent size
    expect(m.spec.model.attention?.decoder[0]).toMatchObject({ type: 'linear', units: 16 });
    expect(m.spec.train.optimizer.lr).toBe(0.05);
    expect(m.overrides).toEqual([
      { path: 'model.attention.beta', value: 0.01 },
      { path: 'model.attention.latent', value: 16 },
      { path: 'train.optimizer.lr', value: 0.05 },
    ]);
  });

  it('the base spec itself ignores its sweep', () => {
    const r = loadSpec('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': SWEEP }));
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.model.attention!.beta).toBe(0.01);
    expect(r.value!.name).toBe('small');
  });

  it('a file with no sweep has no members', () => {
    const r = loadSweep('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': BASE_SPEC }));
    expect(r.value).toEqual([]);
  });

  it('member files written by expand read back to the same specs', () => {
    const fs0 = { '/s/main.ibspec': SWEEP };
    const members = loadSweep('/s/main.ibspec', memoryFileSystem(fs0)).value!;
    for (const m of members) {
      const text = memberSpecText(m, '../main.ibspec', 'main.ibspec');
      const file = `/s/out/${m.name}.ibspec`;
      const back = loadSpec(file, memoryFileSystem({ ...fs0, [file]: text }));
      expect(back.diagnostics).toEqual([]);
      expect(serializeSpec(back.value!)).toBe(serializeSpec(m.spec));
    }
  });

  it('locates a bad swept value at the value in the sweep list', () => {
    const text = BASE_SPEC + 'sweep {\n  model.attention.beta in [0.1, -2]\n  model.attention.kl in [standard, nonsense]\n}\n';
    const r = loadSpec('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': text }));
    expect(r.diagnostics.map(brief)).toEqual([
      'IB2003 34:33-34:35 beta must be ≥ 0, got -2',
      "IB2002 35:36-35:44 kl must be one of standard, reference, got 'nonsense'",
    ]);
  });

  it('reports malformed, duplicate, empty and unknown entries', () => {
    const text =
      BASE_SPEC +
      'sweep {\n  model.attention.beta [0.1]\n  model.attention.beta in []\n  model.attention.latent in [8]\n  model.attention.latent in [16]\n  model.attention.decoder in [1]\n  train.optimizr.lr in [1]\n}\n';
    const r = loadSpec('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': text }));
    expect(r.diagnostics.map(brief)).toEqual([
      'IB3201 34:3-34:29 a sweep entry is `path in [value, ...]`, e.g. model.attention.beta in [0.001, 0.01]',
      "IB3202 35:27-35:29 sweep values for 'model.attention.beta' are empty",
      "IB3203 37:3-37:25 'model.attention.latent' is swept twice",
      "IB3014 38:3-38:26 'model.attention.decoder' is not a single value that can be overridden (name one of its keys instead)",
      "IB3013 39:9-39:17 unknown key 'optimizr' in path 'train.optimizr.lr' (did you mean 'optimizer'?)",
    ]);
  });

  it('a repeated value: the warning at the value, and the error that its two members would share one run folder (issue 24)', () => {
    const r = loadSpec('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': `${BASE_SPEC}sweep {\n  model.attention.beta in [0.1, 0.1]\n}\n` }));
    expect(r.diagnostics.map(brief)).toEqual([
      "IB3454 34:3-34:37 sweep members 'small--beta=0.1' and 'small--beta=0.1' would share the run folder 'small--beta=0.1'; give their values distinct labels (nothing was run)",
      "IB3205 34:33-34:36 value 0.1 appears twice in the sweep of 'model.attention.beta'",
    ]);
  });

  it('refuses a sweep with too many members', () => {
    const values = `[${Array.from({ length: 40 }, (_, i) => i + 1).join(', ')}]`;
    const text = `${BASE_SPEC}sweep {\n  model.attention.latent in ${values}\n  train.epochs in ${values}\n}\n`;
    const r = loadSweep('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': text }));
    expect(r.diagnostics.map(brief)).toEqual(['IB3204 33:1-33:6 the sweep has 1600 members; at most 1000 are allowed']);
  });
});
