/** Sweep syntax beyond the cartesian product (zip, seeds) and command-line overrides. */
import { describe, expect, it } from 'vitest';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { loadSpec, loadSweep } from '../../../src/compiler/spec/load-spec.js';
import { isOverrideArgument, overrideLabel } from '../../../src/compiler/spec/overrides.js';
import { splitValueList } from '../../../src/compiler/spec/command-line-sweep.js';
import { hasErrors } from '../../../src/diagnostics/diagnostic.js';
import { renderDiagnostics } from '../../../src/diagnostics/render.js';
import { BASE_SPEC, brief } from '../../fixtures/spec-text.js';
import { present } from '../../fixtures/present.js';

const FILE = '/s/main.ibspec';
const sweepOf = (body: string, overrides: readonly string[] = []) =>
  loadSweep(FILE, memoryFileSystem({ [FILE]: `${BASE_SPEC}sweep {\n${body}}\n` }), { overrides });

describe('zip and seeds', () => {
  it('zipped lists advance together; seeds repeat every member from the spec seed', () => {
    const r = sweepOf('  model.attention.beta in [0.001, 0.01]\n  zip {\n    model.attention.latent in [8, 16]\n    train.optimizer.lr in [0.1, 0.05]\n  }\n  seeds 2\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.map((m) => m.name)).toEqual([
      'small--beta=0.001--latent=8--lr=0.1--seed=0',
      'small--beta=0.001--latent=8--lr=0.1--seed=1',
      'small--beta=0.001--latent=16--lr=0.05--seed=0',
      'small--beta=0.001--latent=16--lr=0.05--seed=1',
      'small--beta=0.01--latent=8--lr=0.1--seed=0',
      'small--beta=0.01--latent=8--lr=0.1--seed=1',
      'small--beta=0.01--latent=16--lr=0.05--seed=0',
      'small--beta=0.01--latent=16--lr=0.05--seed=1',
    ]);
    const m = present(r.value?.[3], 'member 3');
    expect(m.spec.model.attention?.latent).toBe(16);
    expect(m.spec.train.optimizer.lr).toBe(0.05);
    expect(m.spec.train.seed).toBe(1);
  });

  it('seeds count from the seed the spec sets', () => {
    const fs = memoryFileSystem({ [FILE]: `${BASE_SPEC}train.seed 7\nsweep {\n  seeds 3\n}\n` });
    const r = loadSweep(FILE, fs);
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.map((m) => m.spec.train.seed)).toEqual([7, 8, 9]);
  });

  it('a zip may repeat a value without a warning', () => {
    const r = sweepOf('  zip {\n    model.attention.beta in [0.1, 0.1]\n    model.attention.latent in [8, 16]\n  }\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.length).toBe(2);
  });

  it('reports unequal zipped lists, a bad seeds count and a seed swept twice, each located', () => {
    const r = sweepOf('  zip {\n    model.attention.beta in [0.1, 0.2]\n    model.attention.latent in [8]\n  }\n  seeds 0\n  zip\n  train.seed in [1]\n  seeds 2\n');
    expect(r.diagnostics.map(brief)).toEqual([
      "IB3207 36:31-36:34 zipped lists must be equally long: 'model.attention.latent' has 1 values, 'model.attention.beta' has 2",
      'IB3208 38:3-38:10 \'seeds\' needs a whole number from 1 to 1000: seeds 3 runs every member with train.seed, train.seed + 1 and train.seed + 2',
      'IB3206 39:3-39:6 zip pairs sweep lists value by value and needs a block of entries: zip { model.attention.beta in [0.1, 0.01]; train.optimizer.lr in [0.05, 0.01] }',
      "IB3203 41:3-41:8 'train.seed' is swept twice",
    ]);
  });

  it('a bad value inside a zip is reported at its place in the list', () => {
    const r = sweepOf('  zip {\n    model.attention.beta in [0.1, -1]\n    model.attention.latent in [8, 16]\n  }\n');
    expect(r.diagnostics.map(brief)).toEqual(['IB2003 35:35-35:37 beta must be ≥ 0, got -1']);
  });
});

describe('command-line overrides', () => {
  it('recognises PATH=VALUE arguments', () => {
    expect(isOverrideArgument('model.attention.beta=0.1')).toBe(true);
    expect(isOverrideArgument('name=x')).toBe(true);
    expect(isOverrideArgument('specs/a.ibspec')).toBe(false);
    expect(isOverrideArgument('--out=x')).toBe(false);
  });

  it('overrides set values and enter the resolved spec', () => {
    const fs = memoryFileSystem({ [FILE]: BASE_SPEC });
    const r = loadSpec(FILE, fs, { overrides: ['model.attention.beta=0.5', 'train.seed=3', 'train.optimizer.kind=adam'] });
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.model.attention!.beta).toBe(0.5);
    expect(r.value!.train.seed).toBe(3);
    expect(r.value!.train.optimizer.kind).toBe('adam');
    expect(r.value!.name).toBe('small');
  });

  it('apply to every member of a sweep', () => {
    const r = sweepOf('  model.attention.beta in [0.1, 0.2]\n', ['train.epochs=1']);
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.map((m) => [m.name, m.spec.train.epochs])).toEqual([
      ['small--beta=0.1', 1],
      ['small--beta=0.2', 1],
    ]);
  });

  it('are checked like the spec, located in the override text', () => {
    const fs = memoryFileSystem({ [FILE]: BASE_SPEC });
    const sources = new Map<string, string>();
    const r = loadSpec(FILE, fs, { sources, overrides: ['model.attention.beta=-1', 'train.optimzer.lr=0.1', 'train.epochs', 'train.epochs=2', 'train.epochs=3'] });
    const label = (t: string) => overrideLabel(t);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.span?.file} ${brief(d)}`)).toEqual([
      `${label('model.attention.beta=-1')} IB2003 1:22-1:24 beta must be ≥ 0, got -1`,
      `${label('train.epochs')} IB3209 1:1-1:13 a command-line override is PATH=VALUE (e.g. model.attention.beta=0.1); it must be one path, then =, then one value`,
      `${label('train.epochs=3')} IB3211 1:1-1:13 'train.epochs' is overridden twice on the command line`,
      `${label('train.optimzer.lr=0.1')} IB3013 1:7-1:15 unknown key 'optimzer' in path 'train.optimzer.lr' (did you mean 'optimizer'?)`,
    ]);
    const text = renderDiagnostics(r.diagnostics, sources);
    expect(text).toContain("override 'model.attention.beta=-1':1:22: error IB2003");
    expect(text).toContain('1 | model.attention.beta=-1\n    |                      ^^');
  });

  it("accept Hydra's +PATH=VALUE (adding is setting) and refuse ~PATH (removal)", () => {
    const fs = memoryFileSystem({ [FILE]: BASE_SPEC });
    const ok = loadSpec(FILE, fs, { overrides: ['+train.seed=5'] });
    expect(ok.diagnostics).toEqual([]);
    expect(ok.value!.train.seed).toBe(5);
    const bad = loadSpec(FILE, fs, { overrides: ['~train.seed=5', '+train.epochs=-1'] });
    expect(bad.diagnostics.map(brief)).toEqual([
      'IB2003 1:15-1:17 epochs must be ≥ 1, got -1',
      'IB3209 1:1-1:12 a command-line override is PATH=VALUE (e.g. model.attention.beta=0.1); removing a key (~) is not supported: every key has a default; set the value you want instead',
    ]);
  });

  it('pins a path the sweep sets, with a note saying what the spec listed', () => {
    const r = sweepOf('  model.attention.beta in [0.1, 0.2]\n  seeds 2\n', ['model.attention.beta=0.3']);
    expect(r.diagnostics.map(brief)).toEqual(['IB3210 1:1-1:21 the spec sweeps \'model.attention.beta\' over [0.1, 0.2]; the command line sets 0.3 instead']);
    expect(r.value!.map((m) => m.name)).toEqual(['small--seed=0', 'small--seed=1']);
    expect(r.value!.map((m) => m.spec.model.attention?.beta)).toEqual([0.3, 0.3]);
    // One run (ibc train, ibc check without members) trains the pinned value.
    const one = loadSpec(FILE, memoryFileSystem({ [FILE]: `${BASE_SPEC}sweep {\n  model.attention.beta in [0.1, 0.2]\n}\n` }), { overrides: ['model.attention.beta=0.5'] });
    expect(hasErrors(one.diagnostics)).toBe(false);
    expect(one.value!.model.attention?.beta).toBe(0.5);
  });
});

describe('sweeps on the command line (Hydra style)', () => {
  it('PATH=a,b,c is an axis: added after the spec\'s, or replacing the spec\'s own for that path (kept in its zip)', () => {
    const fs = memoryFileSystem({ [FILE]: BASE_SPEC });
    const r = loadSweep(FILE, fs, { overrides: ['model.attention.beta=0.001,0.01,0.1', 'train.seed=1,2'] });
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.map((m) => m.name)).toEqual([
      'small--beta=0.001--seed=1',
      'small--beta=0.001--seed=2',
      'small--beta=0.01--seed=1',
      'small--beta=0.01--seed=2',
      'small--beta=0.1--seed=1',
      'small--beta=0.1--seed=2',
    ]);
    expect(r.value![5]!.spec.train.seed).toBe(2);
    const replaced = sweepOf('  zip {\n    model.attention.beta in [0.1, 0.2]\n    model.attention.latent in [8, 16]\n  }\n  seeds 3\n', ['model.attention.beta=0.5,0.6', 'train.seed=4']);
    expect(replaced.diagnostics.map(brief)).toEqual([
      "IB3210 1:1-1:21 the spec sweeps 'model.attention.beta' over [0.1, 0.2]; the command line sets [0.5, 0.6] instead",
      "IB3210 1:1-1:11 the spec sweeps 'train.seed' over seeds 3; the command line sets 4 instead",
    ]);
    expect(replaced.value!.map((m) => m.name)).toEqual(['small--beta=0.5--latent=8', 'small--beta=0.6--latent=16']);
  });

  it('a bad value in a list is located at its place on the command line; a zip that no longer pairs up is refused', () => {
    const beta = 'model.attention.beta=0.5,-1,0.7';
    const r = sweepOf('  zip {\n    model.attention.beta in [0.1, 0.2]\n    model.attention.latent in [8, 16]\n  }\n', [beta, 'train.optimzer.lr=0.1,0.2']);
    expect(r.diagnostics.map((d) => `${d.span?.file} ${brief(d)}`)).toEqual([
      `${overrideLabel(beta)} IB3207 1:1-1:32 zipped lists must be equally long: 'model.attention.beta' has 3 values, 'model.attention.latent' has 2`,
      `${overrideLabel(beta)} IB3210 1:1-1:21 the spec sweeps 'model.attention.beta' over [0.1, 0.2]; the command line sets [0.5, -1, 0.7] instead`,
      `${overrideLabel(beta)} IB2003 1:26-1:28 beta must be ≥ 0, got -1`,
      `${overrideLabel('train.optimzer.lr=0.1,0.2')} IB3013 1:7-1:15 unknown key 'optimzer' in path 'train.optimzer.lr' (did you mean 'optimizer'?)`,
    ]);
    const text = renderDiagnostics(r.diagnostics, new Map([[overrideLabel(beta), beta]]));
    expect(text).toContain(`${overrideLabel(beta)}:1:26: error IB2003`);
  });

  it('a list where one run is made is an error naming ibc sweep; brackets and quotes are one value', () => {
    const fs = memoryFileSystem({ [FILE]: BASE_SPEC });
    const r = loadSpec(FILE, fs, { overrides: ['model.attention.beta=0.1,0.2'] });
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map(brief)).toEqual(["IB3500 1:1-1:29 'model.attention.beta' is given 2 values: a list of values on the command line is a sweep (ibc sweep SPEC model.attention.beta=0.1,0.2 runs one member per value); give one value here"]);
    const list = loadSpec(FILE, fs, { overrides: ['data.normalize.mean=[0.5]', 'name="a,b"'] });
    expect(list.diagnostics).toEqual([]);
    expect(list.value!.name).toBe('a,b');
    expect(splitValueList('0.1, [1,2] ,"x,\\"y",,z', 0).map((p) => [p.text, p.offset])).toEqual([['0.1', 0], ['[1,2]', 5], ['"x,\\"y"', 12], ['', 20], ['z', 21]]);
  });
});

describe('slurm settings in the sweep', () => {
  it('are read from the sweep, are part of no member, and are checked and located', async () => {
    const { loadSweepSlurmSettings } = await import('../../../src/compiler/spec/load-spec.js');
    const text = `${BASE_SPEC}sweep {\n  slurm partition=gpu time="4:00:00" mem="16G" cpus_per_task=8 gpus_per_task=1 sbatch=["--account=lab"]\n  model.attention.beta in [0.1, 0.2]\n}\n`;
    const fs = memoryFileSystem({ [FILE]: text });
    const r = loadSweep(FILE, fs);
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.map((m) => m.name)).toEqual(['small--beta=0.1', 'small--beta=0.2']);
    expect(loadSweepSlurmSettings(FILE, fs)).toEqual({ partition: 'gpu', time: '4:00:00', mem: '16G', cpusPerTask: 8, gpusPerTask: 1, sbatch: ['--account=lab'] });
    const bad = `${BASE_SPEC}sweep {\n  model.attention.beta in [0.1, -3]\n  slurm partiton=gpu cpus_per_task=0\n  slurm time="1:00"\n}\n`;
    expect(loadSweep(FILE, memoryFileSystem({ [FILE]: bad })).diagnostics.map(brief)).toEqual([
      'IB2003 34:33-34:35 beta must be ≥ 0, got -3',
      "IB3004 35:9-35:17 unknown option 'partiton' for 'slurm' (did you mean 'partition'?)",
      expect.stringMatching(/^IB2003 35:36-35:37 .*cpus_per_task.* ≥ 1, got 0$/),
      "IB3005 36:3-36:8 'slurm' is set twice in the sweep",
    ]);
  });
});
