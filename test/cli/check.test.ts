/** `ibc check`, `ibc schema` and `ibc expand` through main(), with captured output and real files in a temporary folder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { BASE_SPEC } from '../fixtures/spec-text.js';

let dir: string;

async function ibc(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false, cwd: dir });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ibc-check-'));
  // The data files BASE_SPEC names exist (empty), so check has no IB3327 warnings to give.
  for (const f of ['train-images.gz', 'train-labels.gz', 'test-images.gz', 'test-labels.gz']) writeFileSync(join(dir, f), '');
  writeFileSync(join(dir, 'good.ibspec'), BASE_SPEC);
  writeFileSync(join(dir, 'bad.ibspec'), BASE_SPEC.replace('beta 0.01', 'beta -0.1').replace('kernel=3\n      relu', 'kernal=3\n      relu'));
  writeFileSync(join(dir, 'warn.ibspec'), BASE_SPEC.replace('validation 0.1', 'validation 0.1\n  augment {\n    crop padding=0\n  }'));
  writeFileSync(join(dir, 'sweep.ibspec'), `${BASE_SPEC}sweep {\n  model.attention.beta in [0.001, 0.1]\n  model.attention.kl in [standard, reference]\n}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ibc check', () => {
  it('exits 0 on a clean spec', async () => {
    expect(await ibc('check', 'good.ibspec')).toEqual({ status: 0, stdout: 'good.ibspec: ok\n', stderr: '' });
  });

  it('exits 1 and renders every error with a code frame', async () => {
    const r = await ibc('check', 'bad.ibspec');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("bad.ibspec:13:15: error IB3004: unknown option 'kernal' for 'conv'");
    expect(r.stderr).toContain("help: did you mean 'kernel'?");
    expect(r.stderr).toContain('bad.ibspec:20:10: error IB2003: beta must be ≥ 0, got -0.1');
    expect(r.stderr).toContain('  20 |     beta -0.1\n     |          ^^^^');
    expect(r.stderr).toContain('2 errors');
    expect(r.stderr).not.toMatch(/\u001b\[/);
  });

  it('prints the JSON array with exactly the documented fields', async () => {
    const r = await ibc('check', 'bad.ibspec', '--format', 'json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { file: 'bad.ibspec', line: 13, column: 15, endLine: 13, endColumn: 21, severity: 'error', code: 'IB3004', message: "unknown option 'kernal' for 'conv'", suggestion: 'kernel' },
      { file: 'bad.ibspec', line: 20, column: 10, endLine: 20, endColumn: 14, severity: 'error', code: 'IB2003', message: 'beta must be ≥ 0, got -0.1' },
    ]);
    expect(r.stderr).toBe('');
  });

  it('prints [] in JSON for a clean spec', async () => {
    expect(await ibc('check', '--format', 'json', 'good.ibspec')).toEqual({ status: 0, stdout: '[]\n', stderr: '' });
  });

  it('exits 0 with warnings only', async () => {
    const r = await ibc('check', 'warn.ibspec');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('warning IB3311');
    expect(r.stderr).toContain('1 warning');
  });

  it('checks several files and fails if any has errors', async () => {
    const r = await ibc('check', 'good.ibspec', 'bad.ibspec');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('good.ibspec: ok\n');
  });

  it('reports a missing file as a diagnostic with exit 1, not a stack trace', async () => {
    const r = await ibc('check', 'nope.ibspec', '--format', 'json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { file: '', line: 0, column: 0, endLine: 0, endColumn: 0, severity: 'error', code: 'IB3104', message: "cannot read 'nope.ibspec': no such file, or not a readable file" },
    ]);
  });

  it('exits 2 on usage errors', async () => {
    for (const argv of [['check'], ['check', '--bogus', 'good.ibspec'], ['check', '--format', 'xml', 'good.ibspec'], ['check', '--shapes', '--format', 'json', 'good.ibspec']]) {
      const r = await ibc(...argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^ibc check: [^\n]+ \(see 'ibc check --help'\)\n$/);
    }
  });

  it('--shapes prints the per-layer table with the total', async () => {
    const r = await ibc('check', '--shapes', 'good.ibspec');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('good.ibspec:');
    expect(lines[1]).toMatch(/^layer\s+op\s+output\s+params$/);
    expect(r.stdout).toMatch(/\n\S*stage1\S*\s+Conv2D\s+28x28x8\s+80\n/);
    expect(r.stdout).toMatch(/total parameters: [\d,]+ \(trainable [\d,]+\)\n$/);
  });

  it('--help prints the usage', async () => {
    const r = await ibc('check', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ibc check FILE\|FOLDER\.\.\./);
  });
});

describe('usage errors: one line, the option named, the nearest valid one suggested, exit 2', () => {
  it('suggests the option meant', async () => {
    const r = await ibc('check', '--fromat', 'json', 'good.ibspec');
    expect(r).toEqual({ status: 2, stdout: '', stderr: "ibc check: unknown option '--fromat'; did you mean --format? (see 'ibc check --help')\n" });
  });

  it('suggests the value meant', async () => {
    const r = await ibc('check', '--format', 'jsno', 'good.ibspec');
    expect(r.stderr).toBe("ibc check: --format must be one of text, json, got 'jsno'; did you mean json? (see 'ibc check --help')\n");
    expect(r.status).toBe(2);
  });

  it('suggests the command meant', async () => {
    const r = await ibc('trian', 'x.ibspec');
    expect(r).toEqual({ status: 2, stdout: '', stderr: "ibc: unknown command 'trian'; did you mean train? (see 'ibc --help')\n" });
  });

  it('says what a negative number is wrong for', async () => {
    const r = await ibc('train', 'good.ibspec', '--epochs', '-1');
    expect(r.stderr).toBe("ibc train: --epochs expects a whole number of at least 1, got '-1' (negative numbers are not allowed) (see 'ibc train --help')\n");
    expect(r.status).toBe(2);
  });

  it('names a missing argument and a missing option value', async () => {
    expect((await ibc('eval')).stderr).toBe("ibc eval: missing required argument 'RUN_DIR' (see 'ibc eval --help')\n");
    expect((await ibc('train', 'good.ibspec', '--epochs')).stderr).toBe("ibc train: option '--epochs <N>' argument missing (see 'ibc train --help')\n");
  });

  it('every command has generated help: usage, its options, exit status', async () => {
    for (const name of ['check', 'schema', 'expand', 'fmt', 'train', 'eval', 'attention', 'compile', 'bench', 'explain']) {
      const r = await ibc(name, '--help');
      expect(r.status, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`^Usage: ibc ${name} `));
      expect(r.stdout, name).toContain('-h, --help');
      expect((await ibc('help', name)).stdout).toBe(r.stdout);
    }
    expect((await ibc('train', '--help')).stdout).toMatch(/--limit-val <N>/);
  });
});

describe('ibc check on a folder', () => {
  const shipped = join(import.meta.dirname, '../../specs');

  it("checks every shipped spec clean, partial bases through the specs that extend them", async () => {
    const r = await ibc('check', shipped);
    // Located warnings only, never errors: data sets this machine lacks (CIFAR, CUB, the missing-data test
    // spec: IB3327), and the WRN-28-10 specs' ~15 GiB of training memory on a smaller machine (IB4104).
    const codes = [...r.stderr.matchAll(/(?:error|warning) (IB\d+)/g)].map((m) => m[1]);
    expect(codes.filter((c) => c !== 'IB4104' && c !== 'IB3327'), r.stderr).toEqual([]);
    expect(r.status).toBe(0);
    // 4 paper specs and their 4 reference-faithful variants (specs/reference/).
    expect(r.stdout).toMatch(/base\/cub\.ibspec: base, checked through the 8 specs extending it\n/);
    expect(r.stdout).toMatch(/base\/fashion-small\.ibspec: ok\n/); // complete on its own: checked as a spec
    expect(r.stdout).toMatch(/fashion-small-aib-qt\.ibspec: ok\n/);
  });

  it('reports a partial base on its own, and its own errors through the specs that extend it', async () => {
    const folder = join(dir, 'family');
    mkdirSync(join(folder, 'base'), { recursive: true });
    const partial = BASE_SPEC.replace(/  classes 10\n/, '');
    writeFileSync(join(folder, 'base', 'partial.ibspec'), partial);
    writeFileSync(join(folder, 'child.ibspec'), 'extends "base/partial.ibspec"\nmodel {\n  classes 10\n}\n');
    expect((await ibc('check', 'family')).status).toBe(0);
    expect((await ibc('check', 'family/base/partial.ibspec')).stderr).toContain("'model' needs 'classes'");

    writeFileSync(join(folder, 'base', 'partial.ibspec'), partial.replace('beta 0.01', 'beta -1'));
    const r = await ibc('check', 'family', '--format', 'json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ file: join('family', 'base', 'partial.ibspec'), code: 'IB2003' })]);
  });

  it('warns, located at the path, when a data file does not exist', async () => {
    writeFileSync(join(dir, 'nodata.ibspec'), BASE_SPEC.replace('"test-images.gz"', '"missing/test-images.gz"'));
    const r = await ibc('check', 'nodata.ibspec', '--format', 'json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ file: 'nodata.ibspec', line: 25, column: 15, endColumn: 39, severity: 'warning', code: 'IB3327' }),
    ]);
  });

  it('says which argument does not exist', async () => {
    const r = await ibc('check', 'no-such-folder/');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot read 'no-such-folder/'");
  });
});

describe('ibc schema', () => {
  it('prints the JSON Schema', async () => {
    const r = await ibc('schema');
    expect(r.status).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(Object.keys(schema.properties)).toEqual(['name', 'model', 'data', 'train', 'export', 'sweep']);
  });

  it('takes no arguments', async () => {
    expect((await ibc('schema', 'x')).status).toBe(2);
  });
});

describe('ibc expand', () => {
  it('lists the members', async () => {
    const r = await ibc('expand', 'sweep.ibspec');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'small--beta=0.001--kl=standard  model.attention.beta=0.001 model.attention.kl="standard"',
        'small--beta=0.001--kl=reference  model.attention.beta=0.001 model.attention.kl="reference"',
        'small--beta=0.1--kl=standard  model.attention.beta=0.1 model.attention.kl="standard"',
        'small--beta=0.1--kl=reference  model.attention.beta=0.1 model.attention.kl="reference"',
        '',
      ].join('\n'),
    );
  });

  it('lists them as JSON', async () => {
    const r = await ibc('expand', 'sweep.ibspec', '--format', 'json');
    expect(JSON.parse(r.stdout)[1]).toEqual({ name: 'small--beta=0.001--kl=reference', overrides: { 'model.attention.beta': 0.001, 'model.attention.kl': 'reference' } });
  });

  it('writes member files that ibc check accepts', async () => {
    const r = await ibc('expand', 'sweep.ibspec', '--out', 'members');
    expect(r.status).toBe(0);
    const files = readdirSync(join(dir, 'members')).sort();
    expect(files).toHaveLength(4);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(files.map((f) => join('members', f)));
    const text = readFileSync(join(dir, 'members', 'small--beta=0.1--kl=reference.ibspec'), 'utf8');
    expect(text).toBe(
      '# Generated by ibc expand from ../sweep.ibspec; edit the sweep there instead.\nextends "../sweep.ibspec"\nname "small--beta=0.1--kl=reference"\nmodel.attention.beta 0.1\nmodel.attention.kl "reference"\n',
    );
    const check = await ibc('check', ...files.map((f) => join('members', f)));
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('says so when there is no sweep', async () => {
    const r = await ibc('expand', 'good.ibspec');
    expect(r).toEqual({ status: 0, stdout: '', stderr: 'good.ibspec has no sweep: nothing to expand\n' });
  });

  it('exits 1 on errors and 2 on usage errors', async () => {
    expect((await ibc('expand', 'bad.ibspec')).status).toBe(1);
    expect((await ibc('expand', 'missing.ibspec')).status).toBe(1);
    expect((await ibc('expand')).status).toBe(2);
    expect((await ibc('expand', 'a', 'b')).status).toBe(2);
    expect((await ibc('expand', '--format', 'yaml', 'sweep.ibspec')).status).toBe(2);
  });
});

describe('ibc check: export.opset against what the exporter writes', () => {
  it('reports an opset ibc cannot export, located at the value', async () => {
    for (const [opset, ok] of [[7, false], [40, false], [13, true], [26, true]] as const) {
      writeFileSync(join(dir, 'opset.ibspec'), `${BASE_SPEC}export {\n  opset ${opset}\n}\n`);
      const r = await ibc('check', 'opset.ibspec', '--format', 'json');
      const found = JSON.parse(r.stdout) as { code: string; line: number; column: number; message: string }[];
      if (ok) {
        expect(found, String(opset)).toEqual([]);
        continue;
      }
      expect(r.status).toBe(1);
      expect(found).toEqual([expect.objectContaining({ code: 'IB5012', column: 9, message: `export opset ${opset} is not one ibc writes: use 13 to 26 (default 17)` })]);
      expect(found[0]!.line).toBe(BASE_SPEC.split('\n').length + 1);
    }
  });
});

describe('ibc check: located shape and path errors', () => {
  it('IB4005 underlines `map 14x14`, with a label at the stride=2 (and the pool) that made the map 7x7', async () => {
    const text = BASE_SPEC.replace('conv 8 kernel=3\n', 'conv 8 kernel=3 stride=2\n').replace('latent 32\n', 'latent 32\n    map 14x14\n');
    writeFileSync(join(dir, 'map.ibspec'), text);
    const r = await ibc('check', 'map.ibspec');
    expect(r.status).toBe(1);
    const lines = text.split('\n');
    const mapLine = lines.findIndex((l) => l.includes('map 14x14')) + 1;
    const strideLine = lines.findIndex((l) => l.includes('stride=2')) + 1;
    expect(r.stderr).toContain(`map.ibspec:${mapLine}:5: error IB4005: the map is 14x14`);
    expect(r.stderr).toContain(`   |     ^^^^^^^^^`); // `map 14x14`, not the whole attention block
    expect(r.stderr).toContain(`note: map.ibspec:${strideLine}:23: this changes the map's size: conv 3x3 stride 2 'stage1/conv0' (28x28 -> 14x14)\n`);
    expect(r.stderr).toContain(`\n  7 |       conv 8 kernel=3 stride=2\n    |                       --------\n`); // the secondary label
    const json = JSON.parse((await ibc('check', 'map.ibspec', '--format', 'json')).stdout) as { code: string; line: number; column: number; endColumn: number }[];
    expect(json).toEqual([expect.objectContaining({ code: 'IB4005', line: mapLine, column: 5, endColumn: 14 })]);
  });
});
